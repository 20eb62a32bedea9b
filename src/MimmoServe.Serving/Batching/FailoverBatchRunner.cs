using MimmoServe.Onnx;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// The circuit breaker around a model's execution provider. Runs go to the primary session (the provider config.json
/// or --provider asked for) through a Polly circuit breaker; when runs on a GPU session (cuda, tensorrt) keep failing
/// (at least <see cref="MinimumThroughput"/> runs in <see cref="SamplingDuration"/>, <see cref="FailureRatio"/> of them
/// failed, timeouts included) the breaker opens and this runner moves the model to a new CPU session on the same
/// model file, for good: the model stays listed and its health name SERVING, a warning says why, and
/// <see cref="ExecutionProvider"/> (GetModel, metrics) says cpu from then on. The failing runs' own requests fail; the
/// next runs go to the CPU session. A session already on CPU has no breaker: there is nothing to fall back to.
/// <para>Threading: runs call <see cref="Run"/> concurrently; the fallback is created once, under <c>_lock</c>, by the
/// run whose failure opened the circuit (Polly calls OnOpened outside its own lock), and published through a volatile field.</para>
/// </summary>
internal sealed class FailoverBatchRunner : IBatchRunner, IDisposable
{
    /// <summary>Share of failed runs in the sampling window that opens the breaker.</summary>
    public const double FailureRatio = 0.5;

    /// <summary>Runs in the sampling window before the ratio counts.</summary>
    public const int MinimumThroughput = 3;

    public static readonly TimeSpan SamplingDuration = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private readonly OnnxBatchRunner _primary;
    private readonly Func<OnnxBatchRunner> _createFallback;
    private readonly ResiliencePipeline? _breaker;
    private readonly string _model;
    private readonly ILogger _logger;
    private volatile OnnxBatchRunner? _fallback;
    private volatile ExecutionProviderResult? _fallbackProvider;
    private volatile bool _serving;

    /// <param name="primary">The session the model was loaded on; owned by the caller (the served model).</param>
    /// <param name="createFallback">Creates the CPU session's runner; called at most once. This runner owns what it returns.</param>
    /// <param name="model">The model's name, for logs.</param>
    /// <param name="breakOnCpu">Applies the breaker to a CPU session too: only for tests, as this machine kind has no GPU.</param>
    /// <param name="time">The breaker's clock.</param>
    /// <param name="logger">Where the failover is reported.</param>
    public FailoverBatchRunner(OnnxBatchRunner primary, Func<OnnxBatchRunner> createFallback, string model, bool breakOnCpu, TimeProvider time, ILogger logger)
    {
        _primary = primary;
        _createFallback = createFallback;
        _model = model;
        _logger = logger;
        if (breakOnCpu || primary.ExecutionProvider.Actual != Onnx.ExecutionProvider.Cpu)
        {
            _breaker = new ResiliencePipelineBuilder { TimeProvider = time }.AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = FailureRatio,
                MinimumThroughput = MinimumThroughput,
                SamplingDuration = SamplingDuration,
                // A cancelled run (shutdown's grace ended) says nothing about the provider.
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Exception is not null and not OperationCanceledException),
                OnOpened = args =>
                {
                    FailOver(args.Outcome.Exception);
                    return default;
                },
            }).Build();
        }
    }

    /// <summary>The provider runs use now: the primary's, or CPU (with the reason) once the breaker has moved the model.</summary>
    public ExecutionProviderResult ExecutionProvider => _fallbackProvider ?? _primary.ExecutionProvider;

    /// <summary>True once the model runs on the CPU fallback session.</summary>
    public bool FailedOver => _fallback is not null;

    /// <summary>
    /// From now on runs go through the breaker. The warm-up runs before it go to the primary alone: they serve no
    /// request, and their successes (a run of every row count) would dilute the failure ratio of the first window.
    /// </summary>
    public void StartServing() => _serving = true;

    public void Run(BatchBuffers buffers, CancellationToken cancellationToken)
    {
        if (_serving && _fallback is null && _breaker is not null)
        {
            try
            {
                _breaker.Execute(static (state, token) => state.Primary.Run(state.Buffers, token), (Primary: _primary, Buffers: buffers), cancellationToken);
                return;
            }
            catch (BrokenCircuitException) when (_fallback is not null)
            {
                // Opened by a concurrent run: this batch runs on the new CPU session below.
            }
        }

        (_fallback ?? _primary).Run(buffers, cancellationToken);
    }

    public void Dispose() => _fallback?.Session.Dispose();

    private void FailOver(Exception? failure)
    {
        lock (_lock)
        {
            if (_fallback is not null)
            {
                return;
            }

            var from = _primary.ExecutionProvider;
            try
            {
                var fallback = _createFallback();
                _fallbackProvider = new ExecutionProviderResult(from.Requested, fallback.ExecutionProvider.Actual,
                    $"circuit breaker: runs on {from.Actual} kept failing ({failure?.Message})");
                _fallback = fallback;
                BatcherLog.FailedOver(_logger, failure, _model, from.Actual, fallback.ExecutionProvider.Actual);
            }
            catch (Exception e)
            {
                BatcherLog.FailOverFailed(_logger, e, _model, from.Actual);
            }
        }
    }
}
