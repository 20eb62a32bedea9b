using Microsoft.Extensions.Logging;
using Polly;
using Polly.Hedging;
using Polly.Retry;
using Polly.Timeout;

namespace MimmoServe.Client.Resilience;

/// <summary>
/// Builds the pipeline every unary call runs through, outermost first:
/// <list type="number">
/// <item>a timeout at the call's deadline (the attempts and the waits between them all end there);</item>
/// <item>retry on UNAVAILABLE and RESOURCE_EXHAUSTED with exponential backoff and jitter, which gives up with the last
/// error instead of starting a backoff that would end past the deadline;</item>
/// <item>optional hedging: a second attempt on the next address when the first is slow;</item>
/// <item>the per-attempt timeout, when set.</item>
/// </list>
/// Each attempt then picks an address round-robin and goes through that address's circuit breaker (<see cref="Endpoint"/>).
/// </summary>
internal static class CallPipeline
{
    public static ResiliencePipeline<T> Build<T>(MimmoClientOptions options, ILogger logger)
    {
        var time = options.TimeProvider;
        var builder = new ResiliencePipelineBuilder<T> { TimeProvider = time };
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args =>
            {
                var deadline = args.Context.Properties.GetValue(CallProperties.Deadline, DateTime.MaxValue);
                var remaining = deadline - time.GetUtcNow().UtcDateTime;
                // Nothing left: the attempt goes out with a past deadline and ends DEADLINE_EXCEEDED by itself.
                return ValueTask.FromResult(deadline == DateTime.MaxValue || remaining <= TimeSpan.Zero ? Timeout.InfiniteTimeSpan : remaining);
            },
        });

        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<T>
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args, options, logger)),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(args.Context.Properties.GetValue(CallProperties.NextDelay, options.RetryBaseDelay)),
                OnRetry = args =>
                {
                    ClientLog.Retrying(logger, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds, Describe(args.Outcome.Exception));
                    return default;
                },
            });
        }

        if (options.EnableHedging)
        {
            builder.AddHedging(new HedgingStrategyOptions<T>
            {
                MaxHedgedAttempts = options.MaxHedgedAttempts,
                Delay = options.HedgingDelay,
                ShouldHandle = args => ValueTask.FromResult(RetryableFailures.IsRetryable(args.Outcome.Exception)),
                OnHedging = args =>
                {
                    ClientLog.Hedging(logger, args.AttemptNumber);
                    return default;
                },
            });
        }

        if (options.AttemptTimeout != Timeout.InfiniteTimeSpan)
        {
            builder.AddTimeout(options.AttemptTimeout);
        }

        return builder.Build();
    }

    private static bool ShouldRetry<T>(RetryPredicateArguments<T> args, MimmoClientOptions options, ILogger logger)
    {
        var error = args.Outcome.Exception;
        if (!RetryableFailures.IsRetryable(error) || args.Context.CancellationToken.IsCancellationRequested)
        {
            return false;
        }

        var delay = Backoff.Delay(args.AttemptNumber, options.RetryBaseDelay, options.RetryMaxDelay, options.Jitter());
        var deadline = args.Context.Properties.GetValue(CallProperties.Deadline, DateTime.MaxValue);
        var remaining = deadline - options.TimeProvider.GetUtcNow().UtcDateTime;
        if (delay >= remaining)
        {
            ClientLog.RetryWouldPassDeadline(logger, Describe(error), delay.TotalMilliseconds, Math.Max(0, remaining.TotalMilliseconds));
            return false;
        }

        args.Context.Properties.Set(CallProperties.NextDelay, delay);
        return true;
    }

    private static string Describe(Exception? error) => error switch
    {
        Grpc.Protocol.RpcException rpc => rpc.StatusCode.ToString(),
        null => "no error",
        _ => error.GetType().Name,
    };
}
