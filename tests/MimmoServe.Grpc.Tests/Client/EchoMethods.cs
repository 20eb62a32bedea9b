using Mimmo.Interop.V1;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Tests.Client;

/// <summary>Descriptors of the interop service's methods (tests/interop/protos/mimmo/interop/v1/echo.proto) and of health.</summary>
internal static class EchoMethods
{
    public const string Service = "mimmo.interop.v1.Echo";

    public static readonly Method<EchoRequest, EchoReply> Unary = new(MethodType.Unary, Service, "Unary", EchoRequest.Parser, EchoReply.Parser);

    public static readonly Method<EchoRequest, EchoReply> ServerStream = new(MethodType.ServerStreaming, Service, "ServerStream", EchoRequest.Parser, EchoReply.Parser);

    public static readonly Method<EchoRequest, EchoReply> ClientStream = new(MethodType.ClientStreaming, Service, "ClientStream", EchoRequest.Parser, EchoReply.Parser);

    public static readonly Method<EchoRequest, EchoReply> Bidi = new(MethodType.DuplexStreaming, Service, "Bidi", EchoRequest.Parser, EchoReply.Parser);

    public static readonly Method<StatsRequest, StatsReply> GetStats = new(MethodType.Unary, Service, "GetStats", StatsRequest.Parser, StatsReply.Parser);

    public static readonly Method<HealthCheckRequest, HealthCheckResponse> HealthCheck = new(MethodType.Unary, "grpc.health.v1.Health", "Check", HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    /// <summary>A deadline far enough for any normal call, so that a hang fails the test instead of stalling it.</summary>
    public static DateTime SafetyDeadline => DateTime.UtcNow.AddSeconds(10);
}
