namespace MimmoServe.Server.Tests.Load;

/// <summary>Samples a server process's resident set size twice a second until disposed.</summary>
internal sealed class ResidentMemory : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<long> _samples = [];
    private readonly Task _sampling;

    public ResidentMemory(ServerProcess server)
    {
        _sampling = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
            do
            {
                var bytes = server.ResidentBytes();
                lock (_samples)
                {
                    _samples.Add(bytes);
                }
            }
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false));
        });
    }

    /// <summary>The samples so far, in MiB.</summary>
    public double[] Samples
    {
        get
        {
            lock (_samples)
            {
                return [.. _samples.Select(b => b / 1048576.0)];
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _sampling;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }
}
