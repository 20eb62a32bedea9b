using Google.Protobuf;
using MimmoServe.Onnx;
using MimmoServe.Protocol.V1;
using MimmoServe.Serving.Ensembles;
using MimmoServe.Serving.Repository;
using MimmoServe.Serving.Requests;

namespace MimmoServe.Serving.Mapping;

/// <summary>
/// Between the mimo.v1 messages and the serving core, so the host's handlers stay a few lines: a request becomes a
/// <see cref="PredictInput"/> without copying its data (the core copies the items while it validates, before
/// <see cref="ServedModel.PredictAsync"/> or <see cref="ServedModel.PredictBatchAsync"/> returns), and a
/// <see cref="Prediction"/> (or a batched request's predictions) or a model becomes its message.
/// </summary>
public static class ProtocolMapping
{
    /// <param name="request">The request message; it may be reused once PredictAsync has returned.</param>
    /// <param name="mode">The <c>x-mimmo-mode</c> header's value, or null.</param>
    /// <param name="exitPolicy">The <c>x-mimmo-exit</c> header's value, or null.</param>
    public static PredictInput ToInput(PredictRequest request, string? mode, string? exitPolicy = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new PredictInput
        {
            Model = request.Model,
            Id = request.Id,
            Shape = request.Shape,
            Data = request.Data,
            RawData = request.RawData.Memory,
            RawUint8 = request.RawUint8.Memory,
            EnsembleSize = request.EnsembleSize,
            Mode = mode,
            ExitPolicy = exitPolicy,
            TopK = request.TopK,
            ReturnMembers = request.ReturnMembers,
        };
    }

    /// <summary>
    /// The response to a request of one item: the prediction in the top-level fields, <c>items</c> empty; a regression
    /// model's in <c>regression</c>, its classification fields unset.
    /// </summary>
    public static PredictResponse ToResponse(Prediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        var response = new PredictResponse
        {
            Id = prediction.Id,
            Model = prediction.Model,
            EnsembleSize = (uint)prediction.EnsembleSize,
            Members = (uint)prediction.Members,
            Exit = (uint)prediction.Exit,
            ComputeShare = prediction.ComputeShare,
            Timing = ToTiming(prediction.Timing),
        };
        if (prediction.Regression is { } targets)
        {
            response.Regression = ToRegression(targets);
        }
        else
        {
            response.ClassIndex = prediction.ClassIndex;
            response.Label = prediction.Label;
            response.Confidence = prediction.Confidence;
            response.Uncertainty = ToUncertainty(prediction.Uncertainty);
            response.Probabilities.AddRange(prediction.Probabilities);
            response.PredictionSet.AddRange(prediction.PredictionSet);
            AddTop(response.Top, prediction);
        }

        AddMembers(response.MemberPredictions, prediction);
        return response;
    }

    /// <summary>
    /// The response to a batched request ([N, *item]): one <c>items</c> entry per prediction, in order; the top-level
    /// prediction fields stay unset (proto: PredictResponse).
    /// </summary>
    /// <param name="id">The request's id.</param>
    /// <param name="model">The model that answered.</param>
    /// <param name="predictions">The items' predictions, in the order of the items.</param>
    public static PredictResponse ToResponse(string id, string model, IReadOnlyList<Prediction> predictions)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        var response = new PredictResponse { Id = id, Model = model };
        foreach (var prediction in predictions)
        {
            response.Items.Add(ToItemResult(prediction));
        }

        return response;
    }

    /// <summary>One item of a batched response (a regression model's in <c>regression</c>, as <see cref="ToResponse(Prediction)"/>).</summary>
    public static ItemResult ToItemResult(Prediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        var item = new ItemResult
        {
            EnsembleSize = (uint)prediction.EnsembleSize,
            Members = (uint)prediction.Members,
            Exit = (uint)prediction.Exit,
            ComputeShare = prediction.ComputeShare,
            Timing = ToTiming(prediction.Timing),
        };
        if (prediction.Regression is { } targets)
        {
            item.Regression = ToRegression(targets);
        }
        else
        {
            item.ClassIndex = prediction.ClassIndex;
            item.Label = prediction.Label;
            item.Confidence = prediction.Confidence;
            item.Uncertainty = ToUncertainty(prediction.Uncertainty);
            item.Probabilities.AddRange(prediction.Probabilities);
            item.PredictionSet.AddRange(prediction.PredictionSet);
            AddTop(item.Top, prediction);
        }

        AddMembers(item.MemberPredictions, prediction);
        return item;
    }

    private static Protocol.V1.Regression ToRegression(IReadOnlyList<Ensembles.TargetPrediction> targets)
    {
        var message = new Protocol.V1.Regression { IntervalLevel = RegressionAverager.IntervalLevel };
        foreach (var t in targets)
        {
            message.Targets.Add(new Protocol.V1.TargetPrediction
            {
                Name = t.Name,
                Mean = t.Mean,
                EpistemicVariance = t.EpistemicVariance,
                AleatoricVariance = t.AleatoricVariance,
                Variance = t.Variance,
                Lower = t.Lower,
                Upper = t.Upper,
            });
        }

        return message;
    }

    private static Protocol.V1.Uncertainty ToUncertainty(Ensembles.Uncertainty u) => new()
    {
        PredictiveEntropy = u.PredictiveEntropy,
        ExpectedEntropy = u.ExpectedEntropy,
        MutualInformation = u.MutualInformation,
        Variance = u.Variance,
        Agreement = u.Agreement,
    };

    private static Timing ToTiming(PredictionTiming timing) => new()
    {
        QueueUs = (ulong)Math.Max(0, timing.QueueMicroseconds),
        ComputeUs = (ulong)Math.Max(0, timing.ComputeMicroseconds),
        BatchRows = (uint)timing.BatchRows,
        BatchRequests = (uint)timing.BatchRequests,
    };

    private static void AddTop(Google.Protobuf.Collections.RepeatedField<Protocol.V1.ClassScore> target, Prediction prediction)
    {
        foreach (var top in prediction.Top)
        {
            target.Add(new Protocol.V1.ClassScore { Index = top.Index, Label = top.Label, Probability = top.Probability });
        }
    }

    private static void AddMembers(Google.Protobuf.Collections.RepeatedField<Protocol.V1.MemberPrediction> target, Prediction prediction)
    {
        foreach (var member in prediction.MemberPredictions)
        {
            var message = new Protocol.V1.MemberPrediction { Exit = (uint)member.Exit, Slot = (uint)member.Slot, Weight = member.Weight };
            (prediction.Regression is null ? message.Probabilities : message.Values).AddRange(member.Values);
            target.Add(message);
        }
    }

    public static ModelInfo ToModelInfo(ServedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var contract = model.Contract;
        var info = new ModelInfo
        {
            Name = model.Name,
            Family = contract.Family,
            Slots = (uint)contract.Slots,
            Exits = (uint)contract.Exits,
            NumClasses = contract.Regression is null ? (uint)contract.NumClasses : 0,
            NumTargets = (uint)(contract.Regression?.Targets ?? 0),
            Output = OutputName(contract.Output),
            Regression = contract.Regression?.Name ?? string.Empty,
            DefaultEnsembleSize = (uint)model.DefaultEnsembleSize,
            ExecutionProvider = ProviderName(model.ExecutionProvider.Actual),
            DefaultExitPolicy = model.DefaultExitPolicy.ToString(),
            MaxItemsPerRequest = (uint)model.MaxItemsPerRequest,
            InputScale = (float)(contract.Input.ByteScale ?? 0),
            InputOffset = (float)contract.Input.ByteOffset,
        };
        if (contract.Input.Range is { } range)
        {
            info.InputRange.Add(range.Min);
            info.InputRange.Add(range.Max);
        }

        if (contract.Stages is { } stages)
        {
            info.StageCosts.AddRange(stages.Costs);
        }

        info.ItemShape.AddRange(contract.ItemShape);
        info.Labels.AddRange(contract.Labels);
        info.EnsembleSizes.AddRange(contract.EnsembleSizes.Select(k => (uint)k));
        for (var e = 0; e < contract.Exits; e++)
        {
            var row = new ExitWeights();
            row.Weights.AddRange(contract.ExitWeightRow(e).ToArray());
            info.ExitWeights.Add(row);
        }

        info.Metadata.Add(contract.Metadata.ToDictionary());
        return info;
    }

    /// <summary>What the output holds, as <c>mimmo.output</c> spells it.</summary>
    public static string OutputName(Contract.OutputKind output) => output switch
    {
        Contract.OutputKind.Probabilities => Contract.ContractKeys.OutputProbabilities,
        Contract.OutputKind.Regression => Contract.ContractKeys.OutputRegression,
        _ => Contract.ContractKeys.OutputLogits,
    };

    /// <summary>The provider as config.json and the command line spell it: cpu, cuda, tensorrt.</summary>
    public static string ProviderName(ExecutionProvider provider) => provider switch
    {
        ExecutionProvider.Cuda => "cuda",
        ExecutionProvider.TensorRt => "tensorrt",
        _ => "cpu",
    };

    /// <summary>Little-endian float32 bytes of <paramref name="values"/>, as raw_data carries them.</summary>
    public static ByteString ToRawData(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        return UnsafeByteOperations.UnsafeWrap(bytes);
    }
}
