using Microsoft.Extensions.Logging;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Protocol;
using Polly;
using Polly.CircuitBreaker;

namespace MimmoServe.Client.Resilience;

/// <summary>
/// One server address: its own channel (so calls spread over connections to every address, not one HTTP/2
/// connection to one pod) and its own circuit breaker. Thread-safe.
/// </summary>
internal sealed class Endpoint : IDisposable
{
    private readonly ResiliencePipeline _breaker;
    private readonly CircuitBreakerStateProvider _state = new();
    private readonly ILogger _logger;

    public Endpoint(Uri address, MimmoClientOptions options, GrpcChannelOptions channelOptions, ILogger logger)
    {
        Address = address;
        _logger = logger;
        Channel = GrpcChannel.ForAddress(address, channelOptions);
        Invoker = Channel.CreateCallInvoker();
        _breaker = new ResiliencePipelineBuilder { TimeProvider = options.TimeProvider }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = options.BreakerFailureRatio,
                MinimumThroughput = options.BreakerMinimumThroughput,
                SamplingDuration = options.BreakerSamplingDuration,
                BreakDuration = options.BreakerBreakDuration,
                ShouldHandle = args => ValueTask.FromResult(RetryableFailures.CountsAgainstAddress(args.Outcome.Exception)),
                StateProvider = _state,
                OnOpened = args =>
                {
                    ClientLog.CircuitOpened(_logger, Address, args.BreakDuration.TotalMilliseconds);
                    return default;
                },
                OnClosed = _ =>
                {
                    ClientLog.CircuitClosed(_logger, Address);
                    return default;
                },
            })
            .Build();
    }

    public Uri Address { get; }

    public GrpcChannel Channel { get; }

    public CallInvoker Invoker { get; }

    /// <summary>Open or isolated: calls are refused at once until the break ends.</summary>
    public bool IsOpen => _state.CircuitState is CircuitState.Open or CircuitState.Isolated;

    public CircuitState CircuitState => _state.CircuitState;

    /// <summary>
    /// Runs one attempt through this address's circuit. An open circuit is UNAVAILABLE naming the address, so the
    /// retry treats it like a dead server and moves on.
    /// </summary>
    public async ValueTask<T> ExecuteAsync<T, TState>(Func<CallInvoker, TState, CancellationToken, Task<T>> attempt, TState state, CancellationToken cancellationToken)
    {
        try
        {
            return await _breaker.ExecuteAsync(
                static async (s, token) => await s.attempt(s.self.Invoker, s.state, token).ConfigureAwait(false),
                (self: this, attempt, state),
                cancellationToken).ConfigureAwait(false);
        }
        catch (BrokenCircuitException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"The circuit of {Address} is open: {e.Message}"), new Metadata(), e);
        }
        catch (RpcException e)
        {
            ClientLog.AttemptFailed(_logger, Address, e.StatusCode.ToString());
            throw;
        }
    }

    public void Dispose() => Channel.Dispose();
}
