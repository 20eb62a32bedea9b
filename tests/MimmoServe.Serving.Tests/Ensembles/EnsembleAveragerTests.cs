using MimmoServe.Serving.Ensembles;

namespace MimmoServe.Serving.Tests.Ensembles;

public sealed class EnsembleAveragerTests
{
    [Fact]
    public void Average_HugeLogits_StaysFiniteAndPicksTheLargest()
    {
        var contract = Contracts.Mimo();
        var logits = new float[2 * 3 * 4];
        for (var i = 0; i < logits.Length; i++)
        {
            logits[i] = i % 4 == 2 ? 1000f : 990f;
        }

        var p = new float[4];
        var (uncertainty, chosen) = EnsembleAverager.Average(contract, logits, 0b111, new float[24], p);

        Assert.Equal(2, chosen);
        // softmax of (990, 990, 1000, 990) = e^10 / (e^10 + 3).
        Assert.Equal(Math.Exp(10) / (Math.Exp(10) + 3), p[2], 1e-6);
        Assert.Equal(1f, uncertainty.Agreement, 1e-6f);
        Assert.Equal(0f, uncertainty.MutualInformation, 1e-6f);
        Assert.True(float.IsFinite(uncertainty.PredictiveEntropy));
    }

    [Fact]
    public void Average_MembersDisagree_WeightsEachExitAndSlot()
    {
        // Slot 0 only: exit 0 (w 0.25) says class 0, exit 1 (w 0.75) says class 3, both with certainty.
        var contract = Contracts.Mimo();
        var logits = new float[2 * 3 * 4];
        logits[0] = 100f;
        logits[(1 * 3 * 4) + 3] = 100f;
        var p = new float[4];

        var (uncertainty, chosen) = EnsembleAverager.Average(contract, logits, 0b001, new float[24], p);

        Assert.Equal(3, chosen);
        Assert.Equal([0.25f, 0f, 0f, 0.75f], p.Select(v => MathF.Round(v, 5)));
        Assert.Equal(0.75f, uncertainty.Agreement, 1e-6f);
        var h = -((0.25 * Math.Log(0.25)) + (0.75 * Math.Log(0.75)));
        Assert.Equal(h, uncertainty.PredictiveEntropy, 1e-5);
        Assert.Equal(h, uncertainty.MutualInformation, 1e-5);
        Assert.Equal(0f, uncertainty.ExpectedEntropy, 1e-5f);
        // Σ ω (q[3] − p[3])² = 0.25·0.75² + 0.75·0.25².
        Assert.Equal((0.25 * 0.5625) + (0.75 * 0.0625), uncertainty.Variance, 1e-5);
    }

    [Fact]
    public void Top_TiesAndMoreThanK_OrdersByProbabilityThenIndexAndStopsAtK()
    {
        float[] p = [0.2f, 0.4f, 0.2f, 0.2f];

        var top = EnsembleAverager.Top(p, ["a", "b", "c", "d"], 0);

        Assert.Equal([1, 0, 2, 3], top.Select(t => t.Index));
        Assert.Equal(["b", "a"], EnsembleAverager.Top(p, ["a", "b", "c", "d"], 2).Select(t => t.Label));
    }
}
