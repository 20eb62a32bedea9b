using MimmoServe.Protocol.V1;
using MimmoServe.Serving.Tests;

namespace MimmoServe.Server.Tests.Infrastructure;

/// <summary>
/// Checks a response of the mimo fixture against its known function (<see cref="MimoFixture"/>) for the caller's
/// own item: a member's output depends only on its own slot, so every member must be the caller's item through its
/// exit, and the average and uncertainty must follow from the slots the response reports.
/// </summary>
internal static class Expectations
{
    public const double Tolerance = 1e-5;

    public static void AssertServed(PredictResponse response, float[] x, string id, uint k, string model = "mimo")
    {
        Assert.Equal(id, response.Id);
        Assert.Equal(k, response.EnsembleSize);
        var slots = response.MemberPredictions.Select(m => (int)m.Slot).Distinct().Order().ToArray();
        Assert.Equal((int)response.Members, slots.Length);
        Assert.InRange(slots.Length, (int)k, MimoFixture.Slots);
        Assert.Equal(slots.Length * MimoFixture.Exits, response.MemberPredictions.Count);
        foreach (var member in response.MemberPredictions)
        {
            var own = MimoFixture.MemberProbabilities(x, (int)member.Exit);
            for (var c = 0; c < MimoFixture.Classes; c++)
            {
                Assert.Equal(own[c], member.Probabilities[c], Tolerance);
            }

            Assert.Equal(MimoFixture.Weights[member.Exit, member.Slot] / slots.Length, member.Weight, Tolerance);
        }

        var expected = MimoFixture.Serve(x, slots);
        for (var c = 0; c < MimoFixture.Classes; c++)
        {
            Assert.Equal(expected.P[c], response.Probabilities[c], Tolerance);
        }

        Assert.Equal(expected.Class, response.ClassIndex);
        Assert.Equal(MimoFixture.Labels[expected.Class], response.Label);
        Assert.Equal(expected.P[expected.Class], response.Confidence, Tolerance);
        Assert.Equal(expected.PredictiveEntropy, response.Uncertainty.PredictiveEntropy, Tolerance);
        Assert.Equal(expected.ExpectedEntropy, response.Uncertainty.ExpectedEntropy, Tolerance);
        Assert.Equal(expected.MutualInformation, response.Uncertainty.MutualInformation, Tolerance);
        Assert.Equal(expected.Variance, response.Uncertainty.Variance, Tolerance);
        Assert.Equal(expected.Agreement, response.Uncertainty.Agreement, Tolerance);
        Assert.Equal(model, response.Model);
    }

    /// <summary><see cref="AssertServed(PredictResponse, float[], string, uint, string)"/> for one item of a batched response.</summary>
    public static void AssertServed(ItemResult item, float[] x, uint k, string model = "mimo")
    {
        var response = new PredictResponse
        {
            Id = "item",
            Model = model,
            ClassIndex = item.ClassIndex,
            Label = item.Label,
            Confidence = item.Confidence,
            Uncertainty = item.Uncertainty,
            EnsembleSize = item.EnsembleSize,
            Members = item.Members,
        };
        response.Probabilities.Add(item.Probabilities);
        response.MemberPredictions.Add(item.MemberPredictions);
        AssertServed(response, x, "item", k, model);
    }

    /// <summary>A batched response leaves the single-item fields unset.</summary>
    public static void AssertNoTopLevelPrediction(PredictResponse response)
    {
        Assert.Empty(response.Probabilities);
        Assert.Empty(response.MemberPredictions);
        Assert.Null(response.Uncertainty);
        Assert.Null(response.Timing);
        Assert.Equal(0u, response.EnsembleSize);
        Assert.Null(response.Error);
    }
}
