using MimmoServe.Protocol;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimmoServe.Grpc.Health;
using MimmoServe.Onnx;
using MimmoServe.Server.Configuration;
using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Repository;
using MimmoServe.Serving.Telemetry;

namespace MimmoServe.Server.Hosting;

/// <summary>
/// Owns the model repository for the host's life. Start-up loads ONNX Runtime and every model in the background
/// while the gRPC endpoint already answers (health NOT_SERVING, predictions UNAVAILABLE); only when the models are
/// loaded, warmed up (ONNX Runtime per shape, then the whole call path: <see cref="CallPathWarmup"/>) does health say SERVING, overall, for mimmo.v1.Inference and per model
/// (<c>mimmo.v1.Inference/&lt;model&gt;</c>). If nothing can be served, it logs why, sets <see cref="ExitCode"/> 1 and
/// stops the application. Shutdown: when the application starts stopping, health goes NOT_SERVING (the gRPC
/// layer), the repository refuses new requests (UNAVAILABLE) and runs the queued ones, open prediction streams
/// stop reading; <see cref="StopAsync"/> waits for that drain and releases the models.
/// </summary>
/// <remarks>Threading: <c>_lock</c> orders the loader's hand-over against the stopping callback; callers read
/// <see cref="Repository"/> without a lock (a volatile field set once).</remarks>
internal sealed partial class ModelHost : IHostedService, IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private readonly MimmoServerOptions _options;
    private readonly OnnxRuntimeOptions _runtimeOptions;
    private readonly HealthStatusRegistry _health;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ServingMetrics _metrics;
    private readonly CallPathWarmup _warmup;
    private volatile ModelRepository? _repository;
    private Task _loading = Task.CompletedTask;
    private Task _drain = Task.CompletedTask;
    private ITimer? _grace;
    private CancellationTokenRegistration _stoppingRegistration;
    private bool _stopRequested;
    private bool _disposed;

    public ModelHost(
        IOptions<MimmoServerOptions> options,
        IOptions<OnnxRuntimeOptions> runtimeOptions,
        HealthStatusRegistry health,
        IHostApplicationLifetime lifetime,
        ILoggerFactory loggerFactory,
        TimeProvider time,
        ServingMetrics metrics,
        CallPathWarmup warmup)
    {
        _metrics = metrics;
        _warmup = warmup;
        _options = options.Value;
        _runtimeOptions = runtimeOptions.Value;
        _health = health;
        _lifetime = lifetime;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ModelHost>();
        _time = time;
    }

    /// <summary>Completes when the models are served; faults with the reason when nothing can be served.</summary>
    public Task Ready => _ready.Task;

    /// <summary>The process exit code: 0, or 1 once the host has failed to serve.</summary>
    public int ExitCode { get; private set; }

    /// <summary>Fires when shutdown begins: prediction streams stop reading then.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>The loaded repository, for a call that is about to use it.</summary>
    /// <exception cref="ServingException">Unavailable while loading or once shutdown has begun.</exception>
    public ModelRepository Repository
    {
        get
        {
            if (_stopping.IsCancellationRequested)
            {
                throw new ServingException(ServingErrorKind.Unavailable, "The server is shutting down; retry on another instance.");
            }

            return _repository ?? throw new ServingException(ServingErrorKind.Unavailable, "The server is still loading its models; retry shortly.");
        }
    }

    /// <summary>The loaded repository, or null while loading or once released; never throws (for the call gate's limits).</summary>
    public ModelRepository? LoadedRepository => _repository;

    /// <summary>The name of the served model <paramref name="requested"/> names ("" = the default), even while stopping; null if none.</summary>
    public string? ServedName(string? requested)
    {
        var repository = _repository;
        if (repository is null)
        {
            return null;
        }

        return string.IsNullOrEmpty(requested) ? repository.DefaultModel?.Name : repository.Models.FirstOrDefault(m => m.Name == requested)?.Name;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Set before the endpoint opens, so the gRPC layer's start-up does not report these SERVING.
        _health.SetStatus(HealthStatusRegistry.OverallService, NotServing);
        _health.SetStatus(InferenceMethods.ServiceName, NotServing);
        _stoppingRegistration = _lifetime.ApplicationStopping.Register(BeginStop);
        _loading = Task.Run(LoadAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        BeginStop();
        await _loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _drain.WaitAsync(cancellationToken).ConfigureAwait(false);
        await DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        ModelRepository? repository;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _stopRequested = true;
            repository = _repository;
        }

        await _stoppingRegistration.DisposeAsync().ConfigureAwait(false);
        _stopping.Cancel();
        _grace?.Dispose();
        if (repository is not null)
        {
            await repository.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Shutdown's first step (ApplicationStopping): refuse new requests, drain the queued ones.</summary>
    private void BeginStop()
    {
        ModelRepository? repository;
        lock (_lock)
        {
            if (_stopRequested)
            {
                return;
            }

            _stopRequested = true;
            repository = _repository;
        }

        _stopping.Cancel();
        if (repository is not null)
        {
            HostLog.Draining(_logger, repository.Models.Sum(m => m.QueueLength), _options.ShutdownGraceSeconds);
            _drain = DrainAsync(repository);
            // Past the grace, what is left is answered UNAVAILABLE rather than cut off when the host gives up.
            _grace = _time.CreateTimer(static state => ((ModelHost)state!).EndGrace(), this, TimeSpan.FromSeconds(_options.ShutdownGraceSeconds), Timeout.InfiniteTimeSpan);
        }
    }

    private void EndGrace()
    {
        if (!_drain.IsCompleted && _repository is { } repository)
        {
            HostLog.GraceEnded(_logger, _options.ShutdownGraceSeconds, repository.Abort());
        }
    }

    private async Task DrainAsync(ModelRepository repository)
    {
        await repository.StopAsync().ConfigureAwait(false);
        HostLog.Stopped(_logger);
    }
}
