using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MimmoServe.Grpc.Client;

namespace MimmoServe.Client;

/// <summary>
/// Settings of a <see cref="MimmoClient"/>. Every default is written next to its property; <see cref="Validate"/> runs
/// when the client is made and throws <see cref="ArgumentException"/> naming the first invalid setting.
/// </summary>
public sealed class MimmoClientOptions
{
    /// <summary>
    /// The servers, as <c>host:port</c> (cleartext) or <c>http://</c> / <c>https://</c> URIs. One channel each; calls go
    /// round-robin across them. Default <c>localhost:50051</c>.
    /// </summary>
    public IList<string> Addresses { get; set; } = [MimmoClientDefaults.Address];

    /// <summary>
    /// The deadline of a unary call that names none, from its start. Default 30 s. Streams do not take it: a stream
    /// without a deadline has none.
    /// </summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest one attempt may take before it is abandoned and retried (Polly timeout strategy);
    /// <see cref="Timeout.InfiniteTimeSpan"/> turns it off. Default off: only the call's deadline applies.
    /// </summary>
    public TimeSpan AttemptTimeout { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>Retries after the first attempt on UNAVAILABLE or RESOURCE_EXHAUSTED; 0 turns retries off. Default 4.</summary>
    public int MaxRetryAttempts { get; set; } = 4;

    /// <summary>The first retry's backoff; it doubles with every retry, with jitter in [d/2, d]. Default 100 ms.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The cap of one backoff. Default 5 s.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Hedging: when an idempotent call (Predict, GetModel, ListModels) has no answer after <see cref="HedgingDelay"/>,
    /// send the same call to the next address too and take the first answer. Default off.
    /// </summary>
    public bool EnableHedging { get; set; }

    /// <summary>Extra concurrent attempts when hedging. Default 1.</summary>
    public int MaxHedgedAttempts { get; set; } = 1;

    /// <summary>How long to wait for an answer before hedging. Default 50 ms.</summary>
    public TimeSpan HedgingDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>A circuit opens (per address) when this share of its calls fails with UNAVAILABLE in the sampling window. Default 0.5.</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Calls an address must see in the window before its circuit can open. Default 4.</summary>
    public int BreakerMinimumThroughput { get; set; } = 4;

    /// <summary>The window over which failures are counted. Default 10 s.</summary>
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an open circuit keeps calls away from its address before one trial call. Default 5 s.</summary>
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A bearer token sent as <c>authorization: Bearer &lt;token&gt;</c> on every mimmo.v1.Inference call (servers started
    /// with <c>--auth-tokens-file</c>); health checks go without. Use https:// addresses so that it is not sent in the
    /// clear. Default none.
    /// </summary>
    public string? BearerToken { get; set; }

    /// <summary>Settings of each address's channel (message sizes, keep-alive, TLS). Its TimeProvider is replaced by <see cref="TimeProvider"/>. Default the channel's defaults.</summary>
    public GrpcChannelOptions Channel { get; set; } = new();

    /// <summary>The clock of deadlines, backoff, hedging and circuits. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where retries, open circuits and failed attempts are logged. Default none.</summary>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>The jitter's source, a value in [0, 1); tests make it fixed. Default <see cref="Random.Shared"/>.</summary>
    internal Func<double> Jitter { get; set; } = Random.Shared.NextDouble;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Addresses);
        if (Addresses.Count == 0)
        {
            throw new ArgumentException($"{nameof(Addresses)} needs at least one server address.");
        }

        foreach (var address in Addresses)
        {
            _ = MimmoClientDefaults.ToUri(address);
        }

        RequirePositive(DefaultTimeout, nameof(DefaultTimeout));
        if (AttemptTimeout != Timeout.InfiniteTimeSpan)
        {
            RequirePositive(AttemptTimeout, nameof(AttemptTimeout));
        }

        if (MaxRetryAttempts is < 0 or > 100)
        {
            throw new ArgumentException($"{nameof(MaxRetryAttempts)} must be in [0, 100], got {MaxRetryAttempts}.");
        }

        RequirePositive(RetryBaseDelay, nameof(RetryBaseDelay));
        if (RetryMaxDelay < RetryBaseDelay)
        {
            throw new ArgumentException($"{nameof(RetryMaxDelay)} ({RetryMaxDelay}) must be at least {nameof(RetryBaseDelay)} ({RetryBaseDelay}).");
        }

        if (MaxHedgedAttempts is < 1 or > 10)
        {
            throw new ArgumentException($"{nameof(MaxHedgedAttempts)} must be in [1, 10], got {MaxHedgedAttempts}.");
        }

        RequirePositive(HedgingDelay, nameof(HedgingDelay));
        if (BreakerFailureRatio is <= 0 or > 1)
        {
            throw new ArgumentException($"{nameof(BreakerFailureRatio)} must be in (0, 1], got {BreakerFailureRatio}.");
        }

        if (BreakerMinimumThroughput < 2)
        {
            throw new ArgumentException($"{nameof(BreakerMinimumThroughput)} must be at least 2 (Polly's minimum), got {BreakerMinimumThroughput}.");
        }

        if (BreakerSamplingDuration < TimeSpan.FromMilliseconds(500))
        {
            throw new ArgumentException($"{nameof(BreakerSamplingDuration)} must be at least 500 ms (Polly's minimum), got {BreakerSamplingDuration}.");
        }

        if (BreakerBreakDuration < TimeSpan.FromMilliseconds(500))
        {
            throw new ArgumentException($"{nameof(BreakerBreakDuration)} must be at least 500 ms (Polly's minimum), got {BreakerBreakDuration}.");
        }

        if (BearerToken is not null && (BearerToken.Length == 0 || BearerToken.Any(c => c is <= ' ' or > '~')))
        {
            throw new ArgumentException($"{nameof(BearerToken)} must be visible ASCII characters without spaces.");
        }

        ArgumentNullException.ThrowIfNull(Channel);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentNullException.ThrowIfNull(LoggerFactory);
    }

    private static void RequirePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{name} must be positive, got {value}.");
        }
    }
}
