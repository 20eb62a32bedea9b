using MimmoServe.Protocol;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Client;

/// <summary>The client's descriptor of grpc.health.v1.Health/Check; the Inference methods are MimmoServe.Protocol.InferenceMethods.</summary>
internal static class HealthMethods
{
    public static readonly Method<HealthCheckRequest, HealthCheckResponse> Check =
        new(MethodType.Unary, "grpc.health.v1.Health", "Check", HealthCheckRequest.Parser, HealthCheckResponse.Parser);
}
