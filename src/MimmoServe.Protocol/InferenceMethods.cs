using MimmoServe.Protocol;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol.V1;

namespace MimmoServe.Protocol;

/// <summary>The methods of mimmo.v1.Inference, shared by the server's service and the client SDK.</summary>
public static class InferenceMethods
{
    /// <summary>The service's full name, also the prefix of the per-model health names.</summary>
    public static string ServiceName => InferenceReflection.Descriptor.Services[0].FullName;

    public static readonly Method<PredictRequest, PredictResponse> Predict =
        new(MethodType.Unary, ServiceName, "Predict", PredictRequest.Parser, PredictResponse.Parser);

    public static readonly Method<PredictRequest, PredictResponse> PredictStream =
        new(MethodType.DuplexStreaming, ServiceName, "PredictStream", PredictRequest.Parser, PredictResponse.Parser);

    public static readonly Method<GetModelRequest, ModelInfo> GetModel =
        new(MethodType.Unary, ServiceName, "GetModel", GetModelRequest.Parser, ModelInfo.Parser);

    public static readonly Method<ListModelsRequest, ListModelsResponse> ListModels =
        new(MethodType.Unary, ServiceName, "ListModels", ListModelsRequest.Parser, ListModelsResponse.Parser);

    /// <summary>The grpc.health.v1 service name of one model: <c>mimmo.v1.Inference/&lt;model&gt;</c>.</summary>
    public static string HealthName(string model) => ServiceName + "/" + model;
}
