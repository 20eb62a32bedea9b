using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol.Inference;

namespace MimmoServe.Protocol;

/// <summary>The methods of inference.GRPCInferenceService (the Open Inference Protocol, KServe v2) that MimmoServe serves.</summary>
public static class OpenInferenceMethods
{
    /// <summary>inference.GRPCInferenceService.</summary>
    public static string ServiceName => GrpcPredictV2Reflection.Descriptor.Services[0].FullName;

    public static readonly Method<ServerLiveRequest, ServerLiveResponse> ServerLive =
        new(MethodType.Unary, ServiceName, "ServerLive", ServerLiveRequest.Parser, ServerLiveResponse.Parser);

    public static readonly Method<ServerReadyRequest, ServerReadyResponse> ServerReady =
        new(MethodType.Unary, ServiceName, "ServerReady", ServerReadyRequest.Parser, ServerReadyResponse.Parser);

    public static readonly Method<ModelReadyRequest, ModelReadyResponse> ModelReady =
        new(MethodType.Unary, ServiceName, "ModelReady", ModelReadyRequest.Parser, ModelReadyResponse.Parser);

    public static readonly Method<ServerMetadataRequest, ServerMetadataResponse> ServerMetadata =
        new(MethodType.Unary, ServiceName, "ServerMetadata", ServerMetadataRequest.Parser, ServerMetadataResponse.Parser);

    public static readonly Method<ModelMetadataRequest, ModelMetadataResponse> ModelMetadata =
        new(MethodType.Unary, ServiceName, "ModelMetadata", ModelMetadataRequest.Parser, ModelMetadataResponse.Parser);

    public static readonly Method<ModelInferRequest, ModelInferResponse> ModelInfer =
        new(MethodType.Unary, ServiceName, "ModelInfer", ModelInferRequest.Parser, ModelInferResponse.Parser);
}
