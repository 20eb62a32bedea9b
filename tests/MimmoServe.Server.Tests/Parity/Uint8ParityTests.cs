using System.Text.Json;
using Google.Protobuf;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol.V1;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Parity;

/// <summary>
/// The bundled models' input values (models/CONTRACT.md, "Input values"): each declares bytes b meaning b / 255 and the
/// range [0, 1]. The reference images are 8-bit pixels divided by 255, so the same pixels sent as raw_uint8 must give
/// the answer of the floats to the bit, through our client and through Python grpcio; pixels left as 0-255 floats are
/// refused rather than answered.
/// </summary>
[Collection(ParityCollection.Name)]
public sealed class Uint8ParityTests
{
    private readonly ReferenceData _reference;
    private readonly TestServer _server;

    public Uint8ParityTests(ParityFixture fixture)
    {
        _reference = fixture.Reference;
        _server = fixture.Server;
    }

    [Fact]
    public async Task Predict_PixelsAsRawUint8_TheAnswerOfTheFloatsToTheBit()
    {
        foreach (var model in _reference.Models)
        {
            var info = await _server.GetModelAsync(model.Name);
            Assert.Equal((float)(1.0 / 255), info.InputScale);
            Assert.Equal(0f, info.InputOffset);
            Assert.Equal([0f, 1f], info.InputRange);
            for (var image = 0; image < _reference.Count; image += 37)
            {
                var floats = ParityTests.Request(_reference, model.Name, image, (uint)model.Slots);
                var bytes = floats.Clone();
                bytes.RawData = ByteString.Empty;
                bytes.RawUint8 = ByteString.CopyFrom(Pixels(image));

                var fromFloats = await _server.PredictAsync(floats, exit: model.FullExit);
                var fromBytes = await _server.PredictAsync(bytes, exit: model.FullExit);

                Assert.Equal(fromFloats.Probabilities, fromBytes.Probabilities);
                Assert.Equal(fromFloats.MemberPredictions, fromBytes.MemberPredictions);
            }
        }
    }

    [Fact]
    public async Task Predict_PixelsLeftAs0To255Floats_InvalidArgumentNamingTheRange()
    {
        var model = _reference.Models[0];
        var request = ParityTests.Request(_reference, model.Name, 0, (uint)model.Slots);
        request.RawData = MimmoServe.Serving.Mapping.ProtocolMapping.ToRawData(Pixels(0).Select(b => (float)b).ToArray());

        var error = await Assert.ThrowsAsync<RpcException>(() => _server.PredictAsync(request, exit: model.FullExit));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("is outside the model's input range [0, 1] (mimmo.input_range)", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("send 8-bit values as raw_uint8", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PythonClient_Uint8_SameAnswersAsFloatsForABatchOfImages()
    {
        var model = _reference.Models.OrderByDescending(m => m.Slots).ThenBy(m => m.Name, StringComparer.Ordinal).First();
        var script = Path.Combine(Server.Configuration.ModelsDirectory.FindRepositoryRoot(AppContext.BaseDirectory)!, "tests", "interop", "python", "predict_client.py");
        string[] common = [script, "--address", _server.Target, "--model", model.Name, "--fashion-mnist", "5", "0", "9", "--mode", "throughput", "--json"];

        var floats = await MimmoServe.Grpc.Tests.Infrastructure.ProcessRunner.RunAsync("/usr/bin/python3", common, AppContext.BaseDirectory, TimeSpan.FromSeconds(60));
        var bytes = await MimmoServe.Grpc.Tests.Infrastructure.ProcessRunner.RunAsync("/usr/bin/python3", [.. common, "--uint8"], AppContext.BaseDirectory, TimeSpan.FromSeconds(60));

        Assert.True(floats.ExitCode == 0, floats.ToString());
        Assert.True(bytes.ExitCode == 0, bytes.ToString());
        Assert.Equal(Probabilities(floats.StandardOutput), Probabilities(bytes.StandardOutput));
    }

    /// <summary>Reference image <paramref name="image"/> as its 8-bit pixels, after checking that its floats are exactly them / 255.</summary>
    private byte[] Pixels(int image)
    {
        var values = _reference.Image(image);
        var pixels = new byte[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            pixels[i] = (byte)Math.Round(values[i] * 255.0);
            Assert.Equal(values[i], (float)(pixels[i] / 255.0));
        }

        return pixels;
    }

    /// <summary>The items' probabilities of a batched answer, as predict_client.py --json prints it.</summary>
    private static double[][] Probabilities(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()).ToArray())];
    }
}
