using System.Text.RegularExpressions;
using MimmoServe.Server.Tests.Infrastructure;
using MimmoServe.Server.Tests.Security;
using MimmoServe.Server.Tests.Telemetry;

namespace MimmoServe.Server.Tests.Hosting;

/// <summary>
/// The start-up warm-up of the call path (Mimmo:WarmupSeconds): before health says SERVING the server calls itself over
/// its own endpoint, every model, in cleartext, with tokens (a one-off token of its own) and over TLS (trusting the
/// certificate it serves); with client certificates required it cannot, and says so.
/// </summary>
public sealed partial class CallPathWarmupTests
{
    [Theory]
    [InlineData("cleartext")]
    [InlineData("tokens")]
    [InlineData("tls")]
    public async Task Start_WarmupSeconds_EveryModelCalledOverTheEndpointBeforeServing(string endpoint)
    {
        using var pki = new TestPki();
        using var models = new TestModels().Add("mimo", TestModels.Fixture("mimo.onnx")).Add("plain", TestModels.Fixture("classifier.onnx"));
        var settings = new Dictionary<string, string?> { ["Mimmo:WarmupSeconds"] = "1", ["Mimmo:DefaultModel"] = "mimo" };
        foreach (var (key, value) in Endpoint(endpoint, pki))
        {
            settings[key] = value;
        }

        await using var server = await TestServer.StartAsync(models.Directory, settings);

        var lines = server.Logs.Lines.ToList();
        var warmed = lines.FindIndex(l => l.Contains("Warmed up the call path:", StringComparison.Ordinal));
        var serving = lines.FindIndex(l => l.Contains(": SERVING ", StringComparison.Ordinal));
        Assert.True(warmed >= 0 && serving > warmed, string.Join("\n", lines));
        var calls = long.Parse(CallsPattern().Match(lines[warmed]).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        // How many calls a second of warm-up makes depends on the machine (16 on a loaded CI machine over TLS); that
        // every model got them, and that the log and the metrics agree on how many, does not.
        var scrape = await AdminHttp.ScrapeAsync(server.AdminPort);
        double Answered(string model) => scrape.Named("mimmo_requests_total").Where(s => s.Labels["model"] == model && s.Labels["status"] == "OK").Sum(s => s.Value);
        foreach (var model in new[] { "mimo", "plain" })
        {
            Assert.True(Answered(model) > 0, $"{model} was not warmed up");
        }

        Assert.Equal(calls, Answered("mimo") + Answered("plain"));

        Assert.DoesNotContain(lines, l => l.Contains("warm-up ended early", StringComparison.Ordinal) || l.Contains("warm-up failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_ClientCertificatesRequired_NoWarmupSaidSoAndServing()
    {
        using var pki = new TestPki();
        using var models = new TestModels().Add("mimo", TestModels.Fixture("mimo.onnx"));
        var settings = new Dictionary<string, string?>
        {
            ["Mimmo:WarmupSeconds"] = "1",
            ["Mimmo:TlsCertificate"] = pki.ServerCertificatePath,
            ["Mimmo:TlsKey"] = pki.ServerKeyPath,
            ["Mimmo:TlsClientCa"] = pki.ClientCaPath,
        };

        await using var server = await TestServer.StartAsync(models.Directory, settings);

        Assert.Contains(server.Logs.Lines, l => l.Contains("No call-path warm-up: the gRPC port requires client certificates (mTLS)", StringComparison.Ordinal));
        Assert.DoesNotContain(server.Logs.Lines, l => l.Contains("Warmed up the call path", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_WarmupZero_NoCallsBeforeServing()
    {
        using var models = new TestModels().Add("mimo", TestModels.Fixture("mimo.onnx"));

        await using var server = await TestServer.StartAsync(models.Directory, new Dictionary<string, string?> { ["Mimmo:WarmupSeconds"] = "0" });

        var scrape = await AdminHttp.ScrapeAsync(server.AdminPort);
        Assert.Equal(0, scrape.Named("mimmo_requests_total").Sum(s => s.Value));
        Assert.DoesNotContain(server.Logs.Lines, l => l.Contains("Warmed up the call path", StringComparison.Ordinal));
    }

    private static IEnumerable<KeyValuePair<string, string?>> Endpoint(string endpoint, TestPki pki)
    {
        switch (endpoint)
        {
            case "tokens":
                // A token that may use "plain" only: the warm-up's own token is what reaches "mimo".
                var path = Path.Combine(pki.Directory, "tokens.txt");
                File.WriteAllLines(path, [TokenServerFixture.PlainOnly + " plain"]);
                return [new("Mimmo:AuthTokensFile", path)];
            case "tls":
                return [new("Mimmo:TlsCertificate", pki.ServerCertificatePath), new("Mimmo:TlsKey", pki.ServerKeyPath)];
            default:
                return [];
        }
    }

    [GeneratedRegex(@"call path: (\d+) Predict call")]
    private static partial Regex CallsPattern();
}
