using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Server;

/// <summary>What the call shape implies for transport settings.</summary>
internal static class ServerMethodShape
{
    /// <summary>Client-streaming and bidirectional calls may leave the request stream idle for long.</summary>
    public static bool IsStreamingRequest(MethodType type) => type is MethodType.ClientStreaming or MethodType.DuplexStreaming;
}
