using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Parity;

/// <summary>
/// One server with every reference model twice: <c>&lt;name&gt;</c> with default settings, and
/// <c>&lt;name&gt;-rows1</c> (models with M > 1) whose runs are one row and wait up to 20 s to fill it, so that
/// k = 1 requests sent in order on one stream share rows exactly as the reference's "shifted" layout.
/// </summary>
public sealed class ParityFixture : IAsyncLifetime
{
    public const string RowsOneSuffix = "-rows1";

    private readonly TestModels _models = new();

    internal ReferenceData Reference { get; private set; } = null!;

    internal TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Reference = ReferenceData.Load(ReferenceData.DefaultRoot());
        foreach (var model in Reference.Models)
        {
            _models.Add(model.Name, model.OnnxPath);
            if (model.Slots > 1)
            {
                // Gathering while idle: M consecutive k = 1 requests share one row.
                _models.Add(model.Name + RowsOneSuffix, model.OnnxPath, new { max_rows_per_run = 1, max_queue_delay_ms = 20000, gather_when_idle = true });
            }
        }

        Server = await TestServer.StartAsync(_models.Directory);
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        _models.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ParityCollection : ICollectionFixture<ParityFixture>
{
    public const string Name = "parity server";
}
