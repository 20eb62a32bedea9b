using MimmoServe.Serving.Contract;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// Reused memory for deciding and answering the requests of one staged run: one distribution per member of one
/// request, the averaged distribution (copied out only for a request that stops) and the requests of the run that go
/// on, grouped by row. Belongs to a stage's outputs, so only the run that holds them uses it.
/// </summary>
internal sealed class ExitScratch(ModelContract contract, int maxRows)
{
    public float[] Members { get; } = new float[contract.Slots * contract.NumClasses];

    public float[] Probabilities { get; } = new float[contract.NumClasses];

    public RowEntry[] Kept { get; } = new RowEntry[maxRows * contract.Slots];
}
