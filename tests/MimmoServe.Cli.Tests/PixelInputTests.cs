using Google.Protobuf;
using MimmoServe.Cli.Input;
using MimmoServe.Protocol.V1;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Cli.Tests;

/// <summary>
/// mimmo predict --fashion-mnist sends the 8-bit pixels as raw_uint8 to a model that says what a byte means, so the
/// model's scale applies, not the client's 1/255: here the bundled fashion-single with a config.json saying a byte b
/// means 2b/255, whose answers are then those of the floats 2b/255.
/// </summary>
public sealed class PixelInputTests
{
    [Fact]
    public async Task Predict_FashionMnistToAModelWithAnInputScale_PixelsMeanWhatTheModelSays()
    {
        var root = Server.Configuration.ModelsDirectory.FindRepositoryRoot(AppContext.BaseDirectory)!;
        using var models = new TestModels().Add("doubled", Path.Combine(root, "models", "fashion-single", "model.onnx"), new { input_scale = 2.0 / 255, input_range = new[] { 0.0, 2.0 } });
        await using var server = await TestServer.StartAsync(models.Directory);
        int[] images = [0, 7];

        var one = await CliRun.RunAsync(["predict", "--fashion-mnist", "0", "--model", "doubled", "--json", "--address", server.Target]);
        var two = await CliRun.RunAsync(["predict", "--fashion-mnist", "0", "7", "--model", "doubled", "--json", "--address", server.Target]);

        Assert.True(one.ExitCode == 0, one.ToString());
        Assert.True(two.ExitCode == 0, two.ToString());
        var single = JsonParser.Default.Parse<PredictResponse>(one.Output);
        var batched = JsonParser.Default.Parse<PredictResponse>(two.Output);
        for (var i = 0; i < images.Length; i++)
        {
            var pixels = FashionMnist.Pixels(FashionMnist.DefaultImages, images[i]);
            var doubled = await server.PredictAsync(Request([.. pixels.Select(b => (float)(b * (2.0 / 255)))]));
            var scaledByTheClient = await server.PredictAsync(Request(FashionMnist.Scale(pixels)));
            Assert.Equal(doubled.Probabilities, batched.Items[i].Probabilities);
            Assert.NotEqual(scaledByTheClient.Probabilities, batched.Items[i].Probabilities);
            if (i == 0)
            {
                Assert.Equal(doubled.Probabilities, single.Probabilities);
            }
        }
    }

    [Fact]
    public async Task Predict_Uint8NpyToAModelWithAnInputScale_PixelsMeanWhatTheModelSays()
    {
        var root = Server.Configuration.ModelsDirectory.FindRepositoryRoot(AppContext.BaseDirectory)!;
        using var models = new TestModels().Add("doubled", Path.Combine(root, "models", "fashion-single", "model.onnx"), new { input_scale = 2.0 / 255, input_range = new[] { 0.0, 2.0 } });
        await using var server = await TestServer.StartAsync(models.Directory);
        using var folder = new TempFolder();
        var pixels = FashionMnist.Pixels(FashionMnist.DefaultImages, 3);
        var file = folder.WriteUint8Npy("image3.npy", pixels, 1, 28, 28);

        var run = await CliRun.RunAsync(["predict", file, "--model", "doubled", "--json", "--address", server.Target]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var reply = JsonParser.Default.Parse<PredictResponse>(run.Output);
        var doubled = await server.PredictAsync(Request([.. pixels.Select(b => (float)(b * (2.0 / 255)))]));
        Assert.Equal(doubled.Probabilities, reply.Probabilities);
        Assert.Equal(pixels.Select(b => b / 255f), NpyReader.Read(file).Data);
    }

    private static PredictRequest Request(float[] values)
    {
        var request = new PredictRequest { Model = "doubled" };
        request.Shape.Add([1, 28, 28]);
        request.Data.Add(values);
        return request;
    }
}
