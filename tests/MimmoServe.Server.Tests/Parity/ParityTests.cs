using System.Collections.Concurrent;
using MimmoServe.Protocol.V1;
using MimmoServe.Serving.Mapping;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Parity;

/// <summary>
/// Served probabilities equal the PyTorch reference to 1e-4, for every reference model, every supported k and all
/// reference images: through our gRPC client on loopback, the real server, ONNX Runtime and the exported graphs.
/// A staged model is asked for its last exit (x-mimmo-exit: full), which is what its probs_* hold; its other
/// policies are checked in <see cref="StagedParityTests"/>.
/// </summary>
[Collection(ParityCollection.Name)]
public sealed class ParityTests
{
    private const double Tolerance = 1e-4;

    private readonly ReferenceData _reference;
    private readonly TestServer _server;

    public ParityTests(ParityFixture fixture)
    {
        _reference = fixture.Reference;
        _server = fixture.Server;
    }

    [Fact]
    public async Task PredictStream_EveryModelEveryKWithTheRowToItself_MatchesProbsSame()
    {
        var mismatches = new List<string>();
        foreach (var model in _reference.Models)
        {
            var info = await _server.GetModelAsync(model.Name);
            Assert.Equal((uint)model.Slots, info.Slots);
            foreach (var k in info.EnsembleSizes)
            {
                if (k > 1 && 2 * k <= model.Slots)
                {
                    Assert.Fail($"{model.Name}: k={k} shares rows with other inputs, a layout the reference data does not cover.");
                }

                if (k == 1 && model.Slots > 1)
                {
                    // k = 1 alone in a row gets the row's free slots as extra copies: checked here as well, one request at a time below.
                    continue;
                }

                // k > M/2: a row holds one input whatever the batching, so all 256 go at once on one stream.
                var responses = await RunStreamAsync(model.Name, k, Enumerable.Range(0, _reference.Count).ToArray(), exit: model.FullExit);
                foreach (var (image, response) in responses)
                {
                    Assert.Equal((uint)model.Slots, response.Members);
                    Compare(mismatches, $"{model.Name} k={k} image {image}", model.Same(image), response);
                }
            }
        }

        Assert.Empty(mismatches);
    }

    [Fact]
    public async Task Predict_KOneAloneInItsRow_ExtraCopiesFillTheRowAndMatchProbsSame()
    {
        var mismatches = new List<string>();
        foreach (var model in _reference.Models.Where(m => m.Slots > 1))
        {
            // Unary calls one after the other: each is alone in its run, so its free slots hold copies of it.
            for (var image = 0; image < _reference.Count; image += 17)
            {
                var response = await _server.PredictAsync(Request(model.Name, image, 1), exit: model.FullExit);
                Assert.Equal(1u, response.EnsembleSize);
                Assert.Equal((uint)model.Slots, response.Members);
                Compare(mismatches, $"{model.Name} k=1 alone image {image}", model.Same(image), response);
            }
        }

        Assert.Empty(mismatches);
    }

    [Fact]
    public async Task PredictStream_KOneInOrderOneRowPerRun_MatchesProbsShifted()
    {
        var mismatches = new List<string>();
        foreach (var model in _reference.Models.Where(m => m.Slots > 1))
        {
            // Rows of M consecutive images: row r holds images rM .. rM+M-1 (mod count) in slots 0 .. M-1, the
            // reference's "shifted" row rM. The last row wraps around to images 0, 1, ...
            var rows = (_reference.Count + model.Slots - 1) / model.Slots;
            var order = Enumerable.Range(0, rows * model.Slots).ToArray();
            var responses = await RunStreamAsync(model.Name + ParityFixture.RowsOneSuffix, 1, order, image => image % _reference.Count, model.FullExit);
            foreach (var (position, response) in responses)
            {
                var slot = position % model.Slots;
                var row = (position - slot) % _reference.Count;
                Assert.Equal(1u, response.Members);
                Assert.Equal((uint)slot, response.MemberPredictions[0].Slot);
                Compare(mismatches, $"{model.Name} k=1 row {row} slot {slot}", model.Shifted(row, slot), response);
            }
        }

        Assert.Empty(mismatches);
    }

    /// <summary>Every bundled classifier; a regression model has no class probabilities to compare (RegressionPythonClientTests compares its answers).</summary>
    [Fact]
    public void Reference_BundledModels_EveryServedClassifierHasReferenceData()
    {
        var folders = Directory.GetDirectories(_reference.Root)
            .Where(d => File.Exists(Path.Combine(d, "model.onnx")) && !IsRegression(Path.Combine(d, "model.onnx")))
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal);

        Assert.Equal(folders, _reference.Models.Select(m => m.Name).Order(StringComparer.Ordinal));
        Assert.NotEmpty(_reference.Models);
    }

    /// <summary>Sends one request per entry of <paramref name="order"/> in that order on one stream; returns (entry, response) pairs.</summary>
    internal static async Task<List<(int Entry, PredictResponse Response)>> RunStreamAsync(
        TestServer server, ReferenceData reference, string model, uint k, int[] order, Func<int, int>? imageOf = null, string? exit = null)
    {
        imageOf ??= i => i;
        using var call = server.PredictStream(deadline: TestServer.Deadline(120), exit: exit);
        var received = new ConcurrentBag<PredictResponse>();
        var reading = Task.Run(async () =>
        {
            while (await call.ResponseStream.MoveNext())
            {
                received.Add(call.ResponseStream.Current);
            }
        });
        foreach (var entry in order)
        {
            var request = Request(reference, model, imageOf(entry), k);
            request.Id = entry.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await call.RequestStream.WriteAsync(request);
        }

        await call.RequestStream.CompleteAsync();
        await reading;
        var result = received.Select(r => (int.Parse(r.Id, System.Globalization.CultureInfo.InvariantCulture), r)).OrderBy(p => p.Item1).ToList();
        Assert.Equal(order, result.Select(p => p.Item1));
        return result;
    }

    internal static PredictRequest Request(ReferenceData reference, string model, int image, uint k)
    {
        var request = new PredictRequest
        {
            Model = model,
            EnsembleSize = k,
            ReturnMembers = true,
            RawData = ProtocolMapping.ToRawData(reference.Image(image)),
            Id = image.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        request.Shape.Add(reference.ItemShape);
        return request;
    }

    private Task<List<(int Entry, PredictResponse Response)>> RunStreamAsync(string model, uint k, int[] order, Func<int, int>? imageOf = null, string? exit = null) =>
        RunStreamAsync(_server, _reference, model, k, order, imageOf, exit);

    private PredictRequest Request(string model, int image, uint k) => Request(_reference, model, image, k);

    internal static void Compare(List<string> mismatches, string what, ReadOnlySpan<float> expected, PredictResponse response)
    {
        var worst = 0.0;
        for (var c = 0; c < expected.Length; c++)
        {
            worst = Math.Max(worst, Math.Abs(expected[c] - response.Probabilities[c]));
        }

        if (response.Probabilities.Count != expected.Length || worst > Tolerance)
        {
            mismatches.Add($"{what}: max |difference| {worst:E2}");
        }
    }

    private static bool IsRegression(string path)
    {
        using var session = Onnx.OnnxRuntime.Shared.CreateSession(path);
        return Serving.Contract.ContractReader.Read(session).Regression is not null;
    }
}
