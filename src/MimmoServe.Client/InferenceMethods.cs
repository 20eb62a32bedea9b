using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol.V1;

namespace MimmoServe.Client;

/// <summary>The client's view of mimmo.v1.Inference and grpc.health.v1.Health (the server keeps its own in MimmoServe.Server).</summary>
internal static class InferenceMethods
{
    private static readonly string Service = InferenceReflection.Descriptor.Services[0].FullName;

    public static readonly Method<PredictRequest, PredictResponse> Predict =
        new(MethodType.Unary, Service, "Predict", PredictRequest.Parser, PredictResponse.Parser);

    public static readonly Method<PredictRequest, PredictResponse> PredictStream =
        new(MethodType.DuplexStreaming, Service, "PredictStream", PredictRequest.Parser, PredictResponse.Parser);

    public static readonly Method<GetModelRequest, ModelInfo> GetModel =
        new(MethodType.Unary, Service, "GetModel", GetModelRequest.Parser, ModelInfo.Parser);

    public static readonly Method<ListModelsRequest, ListModelsResponse> ListModels =
        new(MethodType.Unary, Service, "ListModels", ListModelsRequest.Parser, ListModelsResponse.Parser);

    public static readonly Method<Grpc.Health.V1.HealthCheckRequest, Grpc.Health.V1.HealthCheckResponse> HealthCheck =
        new(MethodType.Unary, "grpc.health.v1.Health", "Check", Grpc.Health.V1.HealthCheckRequest.Parser, Grpc.Health.V1.HealthCheckResponse.Parser);
}
