using MimmoServe.Server.Tests.Infrastructure;
using MimmoServe.Server.Tests.Load;
using Xunit.Abstractions;

namespace MimmoServe.Server.Tests.Security;

/// <summary>
/// The memory-exhaustion chain of issue 17 against the built server process with bearer tokens on: one raw HTTP/2
/// connection (Python h2) holds 100 Predict calls open, each with a ~4 KB gzip message that expands to almost 4 MiB
/// of packed varints (32 MiB once parsed), and never ends its stream. Before the fixes the server read, decompressed
/// and parsed every one and held it until END_STREAM (gigabytes of RSS). Now a caller without a token is refused from
/// its headers, and one with a token is refused at the decompression limit: every call ends at once, RSS stays put.
/// </summary>
public sealed class RequestMemoryTests : IAsyncLifetime
{
    private const string Token = "flood-test-token-5d2c8e1a9b7f";
    private const string Predict = "/mimmo.v1.Inference/Predict";
    private const double MaxGrowthMiB = 200;

    private readonly TestModels _models = new();
    private readonly ITestOutputHelper _output;
    private ServerProcess _server = null!;

    public RequestMemoryTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public async Task InitializeAsync()
    {
        _models.Add("mimo", TestModels.Fixture("mimo.onnx"));
        var tokens = Path.Combine(_models.Directory, "tokens.txt");
        await File.WriteAllTextAsync(tokens, Token + "\n");
        _server = await ServerProcess.StartAsync(_models.Directory, "--auth-tokens-file", tokens);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _models.Dispose();
    }

    [Fact]
    public Task Predict_HundredHeldOpenGzipBombsWithoutToken_EndQuicklyAndMemoryStaysBounded() =>
        FloodAsync(null, ["16", "8"]);

    [Fact]
    public Task Predict_HundredHeldOpenGzipBombsWithValidToken_ResourceExhaustedAndMemoryStaysBounded() =>
        FloodAsync(Token, ["8"]);

    [Fact]
    public async Task Predict_NoTokenAndNoBody_UnauthenticatedWithoutWaitingForTheBody()
    {
        var result = await H2Flood.RunAsync(_server.Port, Predict, "--streams", "1", "--body", "none", "--wait", "10");

        Assert.True(Assert.Single(result.Streams).Outcome == "16", result.Output);
        Assert.True(result.Seconds < 5, result.Output);
    }

    private async Task FloodAsync(string? token, string[] allowed)
    {
        var before = _server.ResidentBytes() / 1048576.0;
        H2Flood.Result result;
        double[] samples;
        await using (var memory = new ResidentMemory(_server))
        {
            string[] arguments = ["--streams", "100", "--body", "bomb", "--wait", "20"];
            if (token is not null)
            {
                arguments = [.. arguments, "--token", token];
            }

            result = await H2Flood.RunAsync(_server.Port, Predict, arguments);
            samples = [.. memory.Samples, _server.ResidentBytes() / 1048576.0];
        }

        var outcomes = string.Join(", ", result.Streams.GroupBy(s => s.Outcome).Select(g => $"{g.Key}: {g.Count()}"));
        var growth = samples.Max() - before;
        var summary = $"RSS grew by {growth:0} MiB (from {before:0} MiB); the calls took {result.Seconds:0.0} s; outcomes {outcomes}";
        _output.WriteLine(summary);
        Assert.True(growth < MaxGrowthMiB, summary);
        Assert.True(result.Streams.Count == 100 && result.Streams.All(s => allowed.Contains(s.Outcome)), summary);
        Assert.True(result.Seconds < 10, summary);
    }
}
