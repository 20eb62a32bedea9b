namespace MimmoServe.Server.Tests.Parity;

/// <summary>
/// A staged model's reference (models/CONTRACT.md): logits_* [count, E, M, K] and gates_* [count, E, M] from PyTorch for
/// the layouts "same" and "shifted", and the exit auto chooses for each image alone in a row. The expected answers
/// are computed here from them: p_e = (1/|S'|) Σ_{s in S'} softmax(logits[row, e, s]).
/// </summary>
internal sealed record StagedReference(float[] LogitsSame, float[] LogitsShifted, float[] GatesSame, float[] GatesShifted, int[] AutoExitsSame)
{
    /// <summary>p_e of the inputs in <paramref name="slots"/> of reference row <paramref name="row"/>.</summary>
    public static double[] Probabilities(float[] logits, ReferenceModel model, int row, int exit, IReadOnlyList<int> slots)
    {
        var p = new double[model.Classes];
        foreach (var s in slots)
        {
            var offset = (((row * model.Exits) + exit) * model.Slots + s) * model.Classes;
            var z = logits.AsSpan(offset, model.Classes).ToArray();
            var max = z.Max();
            var exp = z.Select(v => Math.Exp(v - max)).ToArray();
            var sum = exp.Sum();
            for (var k = 0; k < model.Classes; k++)
            {
                p[k] += exp[k] / sum / slots.Count;
            }
        }

        return p;
    }

    /// <summary>(1/|S'|) Σ_{s in S'} gate[row, exit, s].</summary>
    public static double MeanGate(float[] gates, ReferenceModel model, int row, int exit, IReadOnlyList<int> slots) =>
        slots.Average(s => (double)gates[(((row * model.Exits) + exit) * model.Slots) + s]);
}
