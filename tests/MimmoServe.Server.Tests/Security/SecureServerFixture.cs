using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Security;

/// <summary>
/// A server with its own certificates (<see cref="TestPki"/>) and the models "mimo" (the default) and "plain", started
/// with the settings a subclass gives; one per test class.
/// </summary>
public abstract class SecureServerFixture : IAsyncLifetime
{
    private readonly TestModels _models = new();

    internal TestPki Pki { get; } = new();

    internal TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _models.Add("mimo", TestModels.Fixture("mimo.onnx")).Add("plain", TestModels.Fixture("classifier.onnx"));
        var settings = new Dictionary<string, string?> { ["Mimmo:DefaultModel"] = "mimo" };
        foreach (var (key, value) in Settings(Pki))
        {
            settings[key] = value;
        }

        Server = await TestServer.StartAsync(_models.Directory, settings);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        _models.Dispose();
        Pki.Dispose();
    }

    /// <summary>The security settings of this server.</summary>
    internal abstract IEnumerable<KeyValuePair<string, string?>> Settings(TestPki pki);
}
