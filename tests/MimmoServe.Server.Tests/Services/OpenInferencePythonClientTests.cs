using System.Globalization;
using System.Text.Json;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Services;

/// <summary>
/// The Open Inference Protocol through a foreign client generated from protos/inference/grpc_predict_v2.proto, Python
/// grpcio (tests/interop/python/oip_client.py): readiness and metadata, and ModelInfer's tensors, raw and typed,
/// equal to mimmo.v1's answers for the same items.
/// </summary>
public sealed class OpenInferencePythonClientTests
{
    [Fact]
    public async Task PythonClient_MetadataAndInferRawAndTyped_TheTensorsOfMimoV1sAnswers()
    {
        using var models = new TestModels().Add("mimo", TestModels.Fixture("mimo.onnx"));
        await using var server = await TestServer.StartAsync(models.Directory);
        float[] x = [0.5f, -1f, 2f, 0.25f];
        var values = string.Join(",", x.Select(v => v.ToString(CultureInfo.InvariantCulture)));

        var metadata = await RunAsync(server, "--metadata", "mimo");
        var raw = await RunAsync(server, "--model", "mimo", "--values", values, "--param", "ensemble_size=3");
        var typed = await RunAsync(server, "--model", "mimo", "--values", values, "--typed", "--output", "probabilities", "--output", "ensemble_size", "--param", "mimmo_mode=throughput");
        var reference = await server.PredictAsync(Requests.Mimo(x, "v1", ensembleSize: 3));

        Assert.True(metadata.GetProperty("live").GetBoolean() && metadata.GetProperty("ready").GetBoolean() && metadata.GetProperty("model_ready").GetBoolean());
        Assert.Equal("mimmoserve", metadata.GetProperty("server").GetProperty("name").GetString());
        Assert.Equal("onnxruntime_onnx", metadata.GetProperty("model").GetProperty("platform").GetString());
        Assert.Equal(["-1", "4"], metadata.GetProperty("model").GetProperty("inputs")[0].GetProperty("shape").EnumerateArray().Select(d => d.GetString()));
        var outputs = raw.GetProperty("outputs");
        Assert.Equal(("mimo", "1"), (raw.GetProperty("model_name").GetString(), raw.GetProperty("model_version").GetString()));
        Assert.Equal([1, 4], outputs.GetProperty("probabilities").GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal(reference.Probabilities.Select(p => (double)p), Values(outputs, "probabilities"));
        Assert.Equal([(double)reference.ClassIndex], Values(outputs, "class_index"));
        Assert.Equal([(double)reference.Uncertainty.MutualInformation], Values(outputs, "mutual_information"));
        // The typed request asked for two outputs at the throughput operating point (k = 1).
        Assert.Equal(["ensemble_size", "probabilities"], typed.GetProperty("outputs").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal([1.0], Values(typed.GetProperty("outputs"), "ensemble_size"));
    }

    private static IEnumerable<double> Values(JsonElement outputs, string name) =>
        outputs.GetProperty(name).GetProperty("values").EnumerateArray().Select(v => v.GetDouble());

    private static async Task<JsonElement> RunAsync(TestServer server, params string[] arguments)
    {
        var root = Server.Configuration.ModelsDirectory.FindRepositoryRoot(AppContext.BaseDirectory)!;
        var script = Path.Combine(root, "tests", "interop", "python", "oip_client.py");
        var result = await MimmoServe.Grpc.Tests.Infrastructure.ProcessRunner.RunAsync(
            "/usr/bin/python3", [script, "--address", server.Target, .. arguments], AppContext.BaseDirectory, TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.StandardOutput);
        return json.RootElement.Clone();
    }
}
