using System.Text.Json;
using MimmoServe.Grpc.Tests.Infrastructure;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Parity;

/// <summary>
/// The Open Inference Protocol through grpc-js (tests/interop/node/oip_client.js, from the repository's
/// protos/inference/grpc_predict_v2.proto) against the bundled models and their PyTorch reference: for every model and
/// every k that gives an item a row to itself, ModelInfer's probabilities are the reference's (probs_same), as mimmo.v1's are.
/// </summary>
[Collection(ParityCollection.Name)]
public sealed class OpenInferenceParityTests
{
    private readonly ReferenceData _reference;
    private readonly TestServer _server;

    public OpenInferenceParityTests(ParityFixture fixture)
    {
        _reference = fixture.Reference;
        _server = fixture.Server;
    }

    [Fact]
    public async Task GrpcJs_ModelInferOfReferenceImages_EveryModelAndKMatchesProbsSame()
    {
        int[] images = [3, 11, 0, 128, 255, 64];
        var file = Path.Combine(Path.GetTempPath(), $"mimmo-oip-{Guid.NewGuid():N}.f32");
        var mismatches = new List<string>();
        try
        {
            var data = images.SelectMany(i => _reference.Image(i).ToArray()).ToArray();
            await File.WriteAllBytesAsync(file, Serving.Mapping.ProtocolMapping.ToRawData(data).ToByteArray());
            foreach (var model in _reference.Models)
            {
                var info = await _server.GetModelAsync(model.Name);
                foreach (var k in info.EnsembleSizes.Where(k => 2 * k > model.Slots))
                {
                    string[] arguments =
                    [
                        "--target", _server.Target, "--model", model.Name, "--shape", string.Join(",", _reference.ItemShape), "--items", file,
                        "--k", k.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ];
                    if (model.FullExit is { } exit)
                    {
                        arguments = [.. arguments, "--exit", exit];
                    }

                    var result = await InteropClients.RunScriptAsync(InteropClients.Node, "oip_client", arguments);
                    Assert.True(result.ExitCode == 0, result.ToString());
                    using var json = JsonDocument.Parse(result.StandardOutput);
                    var root = json.RootElement;
                    Assert.True(root.GetProperty("ready").GetBoolean());
                    Assert.Equal("onnxruntime_onnx", root.GetProperty("metadata").GetProperty("platform").GetString());
                    var probabilities = root.GetProperty("outputs").GetProperty("probabilities");
                    Assert.Equal([images.Length, model.Classes], probabilities.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
                    var values = probabilities.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
                    var sizes = root.GetProperty("outputs").GetProperty("ensemble_size").GetProperty("values").EnumerateArray().Select(v => v.GetInt32());
                    Assert.All(sizes, s => Assert.Equal((int)k, s));
                    for (var i = 0; i < images.Length; i++)
                    {
                        var expected = model.Same(images[i]).ToArray();
                        var worst = expected.Select((e, c) => Math.Abs(e - values[(i * model.Classes) + c])).Max();
                        if (worst > 1e-4)
                        {
                            mismatches.Add($"{model.Name} k={k} image {images[i]}: {worst:G3}");
                        }
                    }
                }
            }
        }
        finally
        {
            File.Delete(file);
        }

        Assert.Empty(mismatches);
    }
}
