using MimmoServe.Protocol.V1;
using MimmoServe.Server.Tests.Infrastructure;
using MimmoServe.Server.Tests.Telemetry;

namespace MimmoServe.Server.Tests.Parity;

/// <summary>
/// The staged (early-exit) reference models through the real server: each request leaves at the exit its policy
/// chooses, is answered from that exit alone, and the later stages run only the rows that go on. Every expected
/// value is computed here from the reference's PyTorch logits and gates (models/CONTRACT.md).
/// </summary>
[Collection(ParityCollection.Name)]
public sealed class StagedParityTests
{
    private const double Tolerance = 1e-4;

    private readonly ReferenceData _reference;
    private readonly TestServer _server;

    public StagedParityTests(ParityFixture fixture)
    {
        _reference = fixture.Reference;
        _server = fixture.Server;
    }

    private IEnumerable<ReferenceModel> StagedModels
    {
        get
        {
            var staged = _reference.Models.Where(m => m.Staged is not null).ToArray();
            Assert.True(staged.Length > 0, "The reference has no staged model (\"staged\": true); models/fashion-jeidnn is expected.");
            return staged;
        }
    }

    [Fact]
    public async Task PredictStream_FullKAll_TheLastExitWithAllOfTheCompute()
    {
        foreach (var model in StagedModels)
        {
            var responses = await ParityTests.RunStreamAsync(_server, _reference, model.Name, (uint)model.Slots, [.. Enumerable.Range(0, _reference.Count)], exit: "full");

            var mismatches = new List<string>();
            foreach (var (image, response) in responses)
            {
                Assert.Equal(((uint)model.Exits - 1, 1f), (response.Exit, response.ComputeShare));
                ParityTests.Compare(mismatches, $"{model.Name} full image {image}", model.Same(image), response);
            }

            Assert.Empty(mismatches);
        }
    }

    [Fact]
    public async Task PredictStream_AutoKAll_EachFromItsReferenceExitAndLaterStagesRunFewerRows()
    {
        foreach (var model in StagedModels)
        {
            var staged = model.Staged!;
            var served = _server.Repository.Get(model.Name);
            var costs = (await _server.GetModelAsync(model.Name)).StageCosts.ToArray();
            var rowsBefore = Enumerable.Range(0, model.Exits).Select(s => served.StageRows(s)!.Value).ToArray();
            var scrapeBefore = await AdminHttp.ScrapeAsync(_server.AdminPort);

            var responses = await ParityTests.RunStreamAsync(_server, _reference, model.Name, (uint)model.Slots, [.. Enumerable.Range(0, _reference.Count)], exit: "auto");

            var allSlots = Enumerable.Range(0, model.Slots).ToArray();
            var conformal = await ConformalAsync(model.Name, model.Slots);
            var mismatches = new List<string>();
            foreach (var (image, response) in responses)
            {
                var exit = staged.AutoExitsSame[image];
                Assert.True(exit == (int)response.Exit, $"{model.Name} image {image}: exit {response.Exit}, the reference's auto exit is {exit}");
                Assert.Equal(costs.Take(exit + 1).Sum(), response.ComputeShare, 1e-5);
                var expected = StagedReference.Probabilities(staged.LogitsSame, model, image, exit, allSlots);
                Compare(mismatches, $"{model.Name} auto image {image} exit {exit}", expected, response);
                CompareSet(mismatches, $"{model.Name} auto image {image} exit {exit}", expected, conformal?[exit], response);
            }

            Assert.Empty(mismatches);
            // One image per row (k = M): stage s ran exactly the rows of the images whose exit is s or deeper.
            var rows = Enumerable.Range(0, model.Exits).Select(s => served.StageRows(s)!.Value - rowsBefore[s]).ToArray();
            var expectedRows = Enumerable.Range(0, model.Exits).Select(s => (long)staged.AutoExitsSame.Count(e => e >= s)).ToArray();
            Assert.Equal(expectedRows, rows);
            var scrape = await AdminHttp.ScrapeAsync(_server.AdminPort);
            for (var s = 0; s < model.Exits; s++)
            {
                var tag = s.ToString(System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(expectedRows[s], Delta(scrapeBefore, scrape, "mimmo_stage_rows_total", ("model", model.Name), ("stage", tag)));
                Assert.Equal(staged.AutoExitsSame.Count(e => e == s), Delta(scrapeBefore, scrape, "mimmo_exits_total", ("model", model.Name), ("exit", tag)));
            }

            // What makes the staged model worth serving, as its reference says: inputs leave at different exits, so
            // the later stages run fewer rows. Fails if the model stops giving it.
            Assert.True(staged.AutoExitsSame.Distinct().Count() >= 2,
                $"{model.Name}: the reference's auto exits are all {staged.AutoExitsSame[0]}; its gates do not stop inputs at different exits.");
            Assert.True(rows[1] < rows[0], $"{model.Name}: stage 1 ran {rows[1]} rows, stage 0 {rows[0]}");
        }
    }

    [Theory]
    [InlineData("0.9")]
    [InlineData("0.99")]
    public async Task PredictStream_ThresholdKAll_TheFirstExitConfidentEnough(string threshold)
    {
        var t = double.Parse(threshold, System.Globalization.CultureInfo.InvariantCulture);
        foreach (var model in StagedModels)
        {
            var staged = model.Staged!;
            var allSlots = Enumerable.Range(0, model.Slots).ToArray();
            var responses = await ParityTests.RunStreamAsync(_server, _reference, model.Name, (uint)model.Slots, [.. Enumerable.Range(0, _reference.Count)], exit: threshold);

            var mismatches = new List<string>();
            foreach (var (image, response) in responses)
            {
                // ORT and PyTorch differ by about 1e-5: an input whose confidence is that close to t may go either way.
                int ExitAt(double bar) => Enumerable.Range(0, model.Exits - 1).FirstOrDefault(
                    e => StagedReference.Probabilities(staged.LogitsSame, model, image, e, allSlots).Max() >= bar, model.Exits - 1);
                var (earliest, latest) = (ExitAt(t - Tolerance), ExitAt(t + Tolerance));
                var exit = (int)response.Exit;
                Assert.True(exit >= earliest && exit <= latest, $"{model.Name} t={t} image {image}: exit {exit}, expected {earliest}..{latest}");
                Compare(mismatches, $"{model.Name} t={t} image {image} exit {exit}", StagedReference.Probabilities(staged.LogitsSame, model, image, exit, allSlots), response);
            }

            Assert.Empty(mismatches);
        }
    }

    [Fact]
    public async Task PredictStream_KOneRowsMixingExits_EachFromItsOwnExitAndEachRowRunsUntilItsLastStops()
    {
        foreach (var model in StagedModels)
        {
            var staged = model.Staged!;
            var threshold = await GateThresholdAsync(model.Name);
            var served = _server.Repository.Get(model.Name + ParityFixture.RowsOneSuffix);
            var rowsBefore = Enumerable.Range(0, model.Exits).Select(s => served.StageRows(s)!.Value).ToArray();
            // Rows of M consecutive images, as the reference's "shifted" row rM (see ParityTests).
            var rowCount = (_reference.Count + model.Slots - 1) / model.Slots;
            var order = Enumerable.Range(0, rowCount * model.Slots).ToArray();

            var responses = await ParityTests.RunStreamAsync(_server, _reference, served.Name, 1, order, image => image % _reference.Count, "auto");

            var conformal = await ConformalAsync(model.Name, 1);
            var mismatches = new List<string>();
            var deepest = new int[rowCount];
            foreach (var (position, response) in responses)
            {
                var slot = position % model.Slots;
                var row = (position - slot) % _reference.Count;
                var exit = Enumerable.Range(0, model.Exits - 1).FirstOrDefault(e => StagedReference.MeanGate(staged.GatesShifted, model, row, e, [slot]) >= threshold, model.Exits - 1);
                Assert.True(exit == (int)response.Exit, $"{model.Name} k=1 row {row} slot {slot}: exit {response.Exit}, the reference's gates say {exit}");
                Assert.Equal((1u, (uint)slot), (response.Members, response.MemberPredictions[0].Slot));
                var expected = StagedReference.Probabilities(staged.LogitsShifted, model, row, exit, [slot]);
                Compare(mismatches, $"{model.Name} k=1 row {row} slot {slot}", expected, response);
                CompareSet(mismatches, $"{model.Name} k=1 row {row} slot {slot}", expected, conformal?[exit], response);
                deepest[position / model.Slots] = Math.Max(deepest[position / model.Slots], exit);
            }

            Assert.Empty(mismatches);
            var rows = Enumerable.Range(0, model.Exits).Select(s => served.StageRows(s)!.Value - rowsBefore[s]);
            Assert.Equal(Enumerable.Range(0, model.Exits).Select(s => (long)deepest.Count(d => d >= s)), rows);
        }
    }

    [Fact]
    public async Task GetModel_StagedModel_StageCostsAndAutoByDefault()
    {
        foreach (var model in StagedModels)
        {
            var info = await _server.GetModelAsync(model.Name);

            Assert.Equal("jeidnn", info.Family);
            Assert.Equal(model.Exits, info.StageCosts.Count);
            Assert.Equal(1, info.StageCosts.Sum(), 1e-4);
            Assert.Equal("auto", info.DefaultExitPolicy);
        }
    }

    /// <summary>The model's gate_threshold, from its mimmo.stages metadata.</summary>
    private async Task<double> GateThresholdAsync(string model)
    {
        using var stages = System.Text.Json.JsonDocument.Parse((await _server.GetModelAsync(model)).Metadata["mimmo.stages"]);
        return stages.RootElement.GetProperty("gate_threshold").GetDouble();
    }

    /// <summary>The model's conformal thresholds for size <paramref name="k"/>, one per exit (mimmo.conformal); null when it has none.</summary>
    private async Task<double[]?> ConformalAsync(string model, int k)
    {
        if (!(await _server.GetModelAsync(model)).Metadata.TryGetValue("mimmo.conformal", out var json))
        {
            return null;
        }

        using var conformal = System.Text.Json.JsonDocument.Parse(json);
        return [.. conformal.RootElement.GetProperty("thresholds").GetProperty(k.ToString(System.Globalization.CultureInfo.InvariantCulture)).EnumerateArray().Select(q => q.GetDouble())];
    }

    /// <summary>
    /// The response's prediction set is {c : 1 - p[c] &lt;= q} of the reference p; a class whose score is within the
    /// parity tolerance of q may go either way. Without thresholds the set is empty.
    /// </summary>
    private static void CompareSet(List<string> mismatches, string what, double[] expected, double? threshold, PredictResponse response)
    {
        if (threshold is not { } q)
        {
            if (response.PredictionSet.Count > 0)
            {
                mismatches.Add($"{what}: a prediction set without conformal thresholds");
            }

            return;
        }

        for (var c = 0; c < expected.Length; c++)
        {
            var score = 1 - expected[c];
            if (Math.Abs(score - q) > Tolerance && (score <= q) != response.PredictionSet.Contains(c))
            {
                mismatches.Add($"{what}: class {c} (score {score:F5}, q {q:F5}) {(score <= q ? "missing from" : "wrongly in")} the set [{string.Join(", ", response.PredictionSet)}]");
            }
        }
    }

    private static double Delta(PrometheusScrape before, PrometheusScrape after, string name, params (string Key, string Value)[] labels) =>
        after.Value(name, labels) - before.Value(name, labels);

    private static void Compare(List<string> mismatches, string what, double[] expected, PredictResponse response)
    {
        var worst = expected.Select((p, c) => c < response.Probabilities.Count ? Math.Abs(p - response.Probabilities[c]) : double.PositiveInfinity).Max();
        if (response.Probabilities.Count != expected.Length || worst > Tolerance)
        {
            mismatches.Add($"{what}: max |difference| {worst:E2}");
        }
    }
}
