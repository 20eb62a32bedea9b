using MimmoServe.Onnx;

namespace MimmoServe.Serving.Contract;

/// <summary>
/// One stage's tensors as the session orders them: where logits [B, 1, M, K], gate [B, M] and next_activation
/// [B, *a] are among its outputs (ORT takes output buffers in the session's order), and the activation's shape.
/// Checked from the session by <see cref="Read"/>.
/// </summary>
internal sealed class StageLayout
{
    private StageLayout(int outputCount, int logitsIndex, int gateIndex, int activationIndex, long[]? activationShape)
    {
        OutputCount = outputCount;
        LogitsIndex = logitsIndex;
        GateIndex = gateIndex;
        ActivationIndex = activationIndex;
        ActivationShape = activationShape;
        ActivationLength = activationShape is null ? 0 : checked((int)activationShape.Aggregate(1L, (a, b) => a * b));
    }

    public int OutputCount { get; }

    public int LogitsIndex { get; }

    public int GateIndex { get; }

    /// <summary>The index of next_activation among the outputs; -1 on the last stage.</summary>
    public int ActivationIndex { get; }

    /// <summary>next_activation's shape without the batch; null on the last stage.</summary>
    public long[]? ActivationShape { get; }

    /// <summary>Floats of one row's next_activation; 0 on the last stage.</summary>
    public int ActivationLength { get; }

    /// <summary>Checks a stage's outputs: exactly logits, gate and (unless <paramref name="last"/>) next_activation.</summary>
    /// <param name="outputs">The session's outputs.</param>
    /// <param name="slots">M.</param>
    /// <param name="classes">K.</param>
    /// <param name="last">True for stage S-1, which has no next_activation.</param>
    /// <param name="file">Prefixes the subject of an error for stages after 0 (e.g. "stage1.onnx "); "" for model.onnx.</param>
    /// <exception cref="ModelContractException">A missing, extra or misshaped output.</exception>
    public static StageLayout Read(IReadOnlyList<TensorInfo> outputs, int slots, int classes, bool last, string file)
    {
        string[] expected = last
            ? [ContractKeys.OutputName, ContractKeys.GateName]
            : [ContractKeys.OutputName, ContractKeys.GateName, ContractKeys.NextActivationName];
        var names = outputs.Select(o => o.Name).ToArray();
        if (names.Length != expected.Length || expected.Any(e => !names.Contains(e)))
        {
            throw new ModelContractException($"{file}outputs",
                $"a staged model's {(last ? "last stage" : "stage")} has exactly the outputs {string.Join(", ", expected.Select(e => $"'{e}'"))}; it has {string.Join(", ", names.Select(n => $"'{n}'"))}.");
        }

        var logits = Array.IndexOf(names, ContractKeys.OutputName);
        var gate = Array.IndexOf(names, ContractKeys.GateName);
        ContractReader.CheckTensor(outputs[logits], $"{file}output", ContractKeys.OutputName, [-1, 1, slots, classes]);
        ContractReader.CheckTensor(outputs[gate], $"{file}output", ContractKeys.GateName, [-1, slots]);
        if (last)
        {
            return new StageLayout(names.Length, logits, gate, -1, null);
        }

        var activation = Array.IndexOf(names, ContractKeys.NextActivationName);
        var shape = ReadActivationShape(outputs[activation], $"{file}output '{ContractKeys.NextActivationName}'");
        return new StageLayout(names.Length, logits, gate, activation, shape);
    }

    /// <summary>An activation's shape without the batch: float32, [batch, fixed dims > 0].</summary>
    public static long[] ReadActivationShape(TensorInfo tensor, string subject)
    {
        if (!tensor.IsTensor || tensor.ElementType != TensorElementType.Float)
        {
            throw new ModelContractException(subject, "must be a float32 tensor.");
        }

        if (tensor.Rank < 2 || tensor.Shape[0] != -1 || tensor.Shape.Skip(1).Any(d => d <= 0))
        {
            throw new ModelContractException(subject, $"shape {tensor.ShapeText}; an activation is [batch, *fixed dimensions] with only the batch dynamic.");
        }

        return [.. tensor.Shape.Skip(1)];
    }
}
