using System.Runtime.InteropServices;
using Google.Protobuf;
using MimmoServe.Protocol.Inference;
using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Ensembles;
using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Repository;
using MimmoServe.Serving.Requests;

namespace MimmoServe.Serving.Mapping;

/// <summary>
/// Between the Open Inference Protocol's messages (package inference, KServe v2) and the serving core, as
/// <see cref="ProtocolMapping"/> is for mimmo.v1. A model takes one input, named as its ONNX input, FP32 [N, *item]
/// (N >= 1, values in <c>contents.fp32_contents</c> or <c>raw_input_contents</c>), served as a batched request of N
/// items; it answers named output tensors [N, ...] (<see cref="OutputNames"/>), all of them or those the request lists,
/// always as <c>raw_output_contents</c> (as Triton's gRPC server does). Request parameters: <c>mimmo_mode</c> (a string,
/// as the x-mimmo-mode header, which it overrides), <c>ensemble_size</c> (an int64, k) and <c>exit_policy</c> (a string,
/// as the x-mimmo-exit header); other parameters (Triton's <c>priority</c>, <c>timeout</c>, ...) are ignored. Every malformed request is InvalidArgument, saying what to fix,
/// before anything is queued.
/// </summary>
public static class OpenInferenceMapping
{
    /// <summary>The one version each model has.</summary>
    public const string Version = "1";

    /// <summary>ModelMetadata's platform of every model.</summary>
    public const string Platform = "onnxruntime_onnx";

    /// <summary>The request parameter that chooses the operating point as the x-mimmo-mode header does.</summary>
    public const string ModeParameter = "mimmo_mode";

    /// <summary>The request parameter that sets k.</summary>
    public const string EnsembleSizeParameter = "ensemble_size";

    /// <summary>The request parameter that chooses a staged model's exit policy as the x-mimmo-exit header does.</summary>
    public const string ExitPolicyParameter = "exit_policy";

    private const string Fp32 = "FP32";
    private const string Int64 = "INT64";
    private const string Int32 = "INT32";

    /// <summary>
    /// The output tensors of <paramref name="contract"/>'s model, in the order answered: of a classifier the averaged
    /// probabilities [N, K], the chosen class [N], its probability and the uncertainty over the members [N], k, the
    /// exit that answered and the share of the full pass run [N]; of a regression model its targets' mean, variances
    /// and 95% interval [N, T], and k [N].
    /// </summary>
    public static IReadOnlyList<(string Name, string Datatype, bool PerClass)> OutputNames(ModelContract contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        return contract.Regression is null ? ClassifierOutputs : RegressionOutputs;
    }

    private static readonly (string, string, bool)[] ClassifierOutputs =
    [
        ("probabilities", Fp32, true), ("class_index", Int64, false), ("confidence", Fp32, false),
        ("predictive_entropy", Fp32, false), ("expected_entropy", Fp32, false), ("mutual_information", Fp32, false),
        ("variance", Fp32, false), ("agreement", Fp32, false), ("ensemble_size", Int32, false), ("exit", Int32, false),
        ("compute_share", Fp32, false),
    ];

    private static readonly (string, string, bool)[] RegressionOutputs =
    [
        ("mean", Fp32, true), ("epistemic_variance", Fp32, true), ("aleatoric_variance", Fp32, true), ("variance", Fp32, true),
        ("lower", Fp32, true), ("upper", Fp32, true), ("ensemble_size", Int32, false),
    ];

    /// <summary>The model's metadata: version 1, platform onnxruntime_onnx, its input and outputs with -1 for the batch.</summary>
    public static ModelMetadataResponse ToMetadata(ServedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var contract = model.Contract;
        var response = new ModelMetadataResponse { Name = model.Name, Platform = Platform };
        response.Versions.Add(Version);
        var input = new ModelMetadataResponse.Types.TensorMetadata { Name = contract.InputName, Datatype = Fp32 };
        input.Shape.Add(-1);
        input.Shape.Add(contract.ItemShape);
        response.Inputs.Add(input);
        var width = contract.Regression?.Targets ?? contract.NumClasses;
        foreach (var (name, datatype, perClass) in OutputNames(contract))
        {
            var output = new ModelMetadataResponse.Types.TensorMetadata { Name = name, Datatype = datatype };
            output.Shape.Add(-1);
            if (perClass)
            {
                output.Shape.Add(width);
            }

            response.Outputs.Add(output);
        }

        return response;
    }

    /// <summary>Checks the version a request names: "" or <see cref="Version"/>, else NotFound.</summary>
    public static void CheckVersion(string model, string version)
    {
        if (version.Length > 0 && version != Version)
        {
            throw new ServingException(ServingErrorKind.NotFound, $"Model '{model}' has no version '{version}'; it serves version {Version}.");
        }
    }

    /// <summary>The request as a batched <see cref="PredictInput"/> of its N items, the values read where the message holds them.</summary>
    /// <param name="request">The message; it must stay as it is until the prediction's task ends.</param>
    /// <param name="model">The model the request names.</param>
    /// <param name="modeHeader">The x-mimmo-mode header, or null.</param>
    /// <param name="exitHeader">The x-mimmo-exit header, or null.</param>
    /// <exception cref="ServingException">InvalidArgument: the input, its contents or a parameter is not what the model takes.</exception>
    public static PredictInput ToInput(ModelInferRequest request, ServedModel model, string? modeHeader, string? exitHeader = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(model);
        var contract = model.Contract;
        if (request.Inputs.Count != 1)
        {
            throw Invalid(model, $"{request.Inputs.Count} inputs; the model takes one, '{contract.InputName}' ({Fp32} [N, {string.Join(", ", contract.ItemShape)}]).");
        }

        var input = request.Inputs[0];
        if (input.Name != contract.InputName)
        {
            throw Invalid(model, $"input '{input.Name}'; the model's input is '{contract.InputName}'.");
        }

        if (input.Datatype != Fp32)
        {
            throw Invalid(model, $"input '{input.Name}' has datatype '{input.Datatype}'; the model takes {Fp32}.");
        }

        if (input.Shape.Count != contract.ItemShape.Count + 1)
        {
            throw Invalid(model, $"input '{input.Name}' has shape [{string.Join(", ", input.Shape)}]; the model takes [N, {string.Join(", ", contract.ItemShape)}].");
        }

        var contents = input.Contents;
        var typed = contents is not null && (contents.Fp32Contents.Count > 0 || HasOtherContents(contents));
        if (request.RawInputContents.Count > 0 && typed)
        {
            throw Invalid(model, "both raw_input_contents and contents; send the values in one of them.");
        }

        if (request.RawInputContents.Count > 1)
        {
            throw Invalid(model, $"{request.RawInputContents.Count} raw_input_contents for one input.");
        }

        if (contents is not null && HasOtherContents(contents))
        {
            throw Invalid(model, $"contents other than fp32_contents for an {Fp32} input.");
        }

        var (mode, k) = Parameters(request, model, modeHeader);
        var exit = StringParameter(request, model, ExitPolicyParameter, "auto, full or a threshold in (0, 1]") ?? exitHeader;
        CheckOutputs(request, model);
        return new PredictInput
        {
            Model = model.Name,
            Id = request.Id,
            Shape = input.Shape,
            Data = request.RawInputContents.Count == 0 ? (IReadOnlyList<float>?)contents?.Fp32Contents ?? [] : [],
            RawData = request.RawInputContents.Count == 1 ? request.RawInputContents[0].Memory : default,
            EnsembleSize = k,
            Mode = mode,
            ExitPolicy = exit,
        };
    }

    /// <summary>The answer: the requested outputs (all when none is listed), each [N, ...] in raw_output_contents.</summary>
    public static ModelInferResponse ToResponse(ModelInferRequest request, ServedModel model, IReadOnlyList<Prediction> predictions)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(predictions);
        var response = new ModelInferResponse { ModelName = model.Name, ModelVersion = Version, Id = request.Id };
        var contract = model.Contract;
        var width = contract.Regression?.Targets ?? contract.NumClasses;
        foreach (var (name, datatype, perClass) in OutputNames(contract))
        {
            if (request.Outputs.Count > 0 && !request.Outputs.Any(o => o.Name == name))
            {
                continue;
            }

            var output = new ModelInferResponse.Types.InferOutputTensor { Name = name, Datatype = datatype };
            output.Shape.Add(predictions.Count);
            if (perClass)
            {
                output.Shape.Add(width);
            }

            response.Outputs.Add(output);
            response.RawOutputContents.Add(Values(name, datatype, perClass ? width : 1, predictions));
        }

        return response;
    }

    private static ByteString Values(string name, string datatype, int width, IReadOnlyList<Prediction> predictions)
    {
        var size = datatype == Int64 ? sizeof(long) : sizeof(float);
        var bytes = new byte[predictions.Count * width * size];
        for (var i = 0; i < predictions.Count; i++)
        {
            var p = predictions[i];
            var row = bytes.AsSpan(i * width * size, width * size);
            switch (datatype)
            {
                case Int64:
                    MemoryMarshal.Write(row, (long)p.ClassIndex);
                    break;
                case Int32:
                    MemoryMarshal.Write(row, name == "exit" ? p.Exit : p.EnsembleSize);
                    break;
                default:
                    Floats(name, p).CopyTo(MemoryMarshal.Cast<byte, float>(row));
                    break;
            }
        }

        return UnsafeByteOperations.UnsafeWrap(bytes);
    }

    /// <summary>One prediction's values of a float output (little-endian on every platform .NET runs this server on).</summary>
    private static ReadOnlySpan<float> Floats(string name, Prediction p) => name switch
    {
        "probabilities" => p.Probabilities,
        "confidence" => new[] { p.Confidence },
        "predictive_entropy" => new[] { p.Uncertainty.PredictiveEntropy },
        "expected_entropy" => new[] { p.Uncertainty.ExpectedEntropy },
        "mutual_information" => new[] { p.Uncertainty.MutualInformation },
        "variance" when p.Regression is { } r => [.. r.Select(t => t.Variance)],
        "variance" => new[] { p.Uncertainty.Variance },
        "agreement" => new[] { p.Uncertainty.Agreement },
        "compute_share" => new[] { p.ComputeShare },
        "mean" => [.. p.Regression!.Select(t => t.Mean)],
        "epistemic_variance" => [.. p.Regression!.Select(t => t.EpistemicVariance)],
        "aleatoric_variance" => [.. p.Regression!.Select(t => t.AleatoricVariance)],
        "lower" => [.. p.Regression!.Select(t => t.Lower)],
        "upper" => [.. p.Regression!.Select(t => t.Upper)],
        _ => throw new InvalidOperationException($"no float output '{name}'"),
    };

    private static (string? Mode, uint K) Parameters(ModelInferRequest request, ServedModel model, string? modeHeader)
    {
        var mode = StringParameter(request, model, ModeParameter, "accuracy, throughput, balanced or a number") ?? modeHeader;
        uint k = 0;

        if (request.Parameters.TryGetValue(EnsembleSizeParameter, out var size))
        {
            k = size.ParameterChoiceCase == InferParameter.ParameterChoiceOneofCase.Int64Param && size.Int64Param is > 0 and <= uint.MaxValue
                ? (uint)size.Int64Param
                : throw Invalid(model, $"parameter '{EnsembleSizeParameter}' must be an int64 >= 1, one of the model's sizes [{string.Join(", ", model.Contract.EnsembleSizes)}].");
        }

        return (mode, k);
    }

    /// <summary>A string parameter's value, null when absent; InvalidArgument when it is another type.</summary>
    private static string? StringParameter(ModelInferRequest request, ServedModel model, string name, string values) =>
        !request.Parameters.TryGetValue(name, out var value) ? null
        : value.ParameterChoiceCase == InferParameter.ParameterChoiceOneofCase.StringParam ? value.StringParam
        : throw Invalid(model, $"parameter '{name}' must be a string ({values}).");

    private static void CheckOutputs(ModelInferRequest request, ServedModel model)
    {
        var names = OutputNames(model.Contract);
        foreach (var output in request.Outputs)
        {
            if (!names.Any(n => n.Name == output.Name))
            {
                throw Invalid(model, $"no output '{output.Name}'; the model's outputs are {string.Join(", ", names.Select(n => n.Name))}.");
            }
        }
    }

    private static bool HasOtherContents(InferTensorContents c) =>
        c.BoolContents.Count > 0 || c.IntContents.Count > 0 || c.Int64Contents.Count > 0 || c.UintContents.Count > 0 ||
        c.Uint64Contents.Count > 0 || c.Fp64Contents.Count > 0 || c.BytesContents.Count > 0;

    private static ServingException Invalid(ServedModel model, string problem) => ServingErrors.InvalidArgument($"Model '{model.Name}': {problem}");
}
