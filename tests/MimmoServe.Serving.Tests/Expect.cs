using MimmoServe.Serving.Ensembles;

namespace MimmoServe.Serving.Tests;

/// <summary>Checks a served prediction against <see cref="MimoFixture.Serve"/> for the caller's own item.</summary>
internal static class Expect
{
    public const double Tolerance = 1e-5;

    /// <summary>A refusal thrown at once by the submitting call itself, not through the returned task.</summary>
    public static Errors.ServingException Refused(Func<Task> submit) => Assert.Throws<Errors.ServingException>(() => { _ = submit(); });

    /// <summary>The slots the prediction reports for its members (each slot once per exit).</summary>
    public static int[] Slots(Prediction prediction) =>
        prediction.MemberPredictions.Select(m => m.Slot).Distinct().Order().ToArray();

    public static void Served(Prediction prediction, IReadOnlyList<float> x, IReadOnlyList<int> slots)
    {
        var expected = MimoFixture.Serve(x, slots);
        Assert.Equal(MimoFixture.Classes, prediction.Probabilities.Length);
        for (var k = 0; k < MimoFixture.Classes; k++)
        {
            Assert.Equal(expected.P[k], prediction.Probabilities[k], Tolerance);
        }

        Assert.Equal(expected.Class, prediction.ClassIndex);
        Assert.Equal(MimoFixture.Labels[expected.Class], prediction.Label);
        Assert.Equal(expected.P[expected.Class], prediction.Confidence, Tolerance);
        Assert.Equal(slots.Count, prediction.Members);
        var u = prediction.Uncertainty;
        Assert.Equal(expected.PredictiveEntropy, u.PredictiveEntropy, Tolerance);
        Assert.Equal(expected.ExpectedEntropy, u.ExpectedEntropy, Tolerance);
        Assert.Equal(expected.MutualInformation, u.MutualInformation, Tolerance);
        Assert.Equal(expected.Variance, u.Variance, Tolerance);
        Assert.Equal(expected.Agreement, u.Agreement, Tolerance);
    }

    /// <summary>Each reported member is the caller's own item through exit e: no other request's data in it.</summary>
    public static void OwnMembers(Prediction prediction, IReadOnlyList<float> x)
    {
        Assert.Equal(prediction.Members * MimoFixture.Exits, prediction.MemberPredictions.Count);
        foreach (var member in prediction.MemberPredictions)
        {
            var q = MimoFixture.MemberProbabilities(x, member.Exit);
            for (var k = 0; k < MimoFixture.Classes; k++)
            {
                Assert.Equal(q[k], member.Values[k], Tolerance);
            }

            Assert.Equal(MimoFixture.Weights[member.Exit, member.Slot] / prediction.Members, member.Weight, Tolerance);
        }
    }
}
