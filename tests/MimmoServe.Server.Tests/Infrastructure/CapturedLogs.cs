using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MimmoServe.Server.Tests.Infrastructure;

/// <summary>A logger provider that keeps every formatted message (Information and above; Debug of MimmoServe's own categories), so tests can read what the server logged.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Waits (spinning, no sleep) until a line contains <paramref name="text"/>.</summary>
    public void WaitFor(string text) =>
        Assert.True(SpinWait.SpinUntil(() => _lines.Any(l => l.Contains(text, StringComparison.Ordinal)), TimeSpan.FromSeconds(20)), $"no log line with '{text}':\n{string.Join("\n", _lines)}");

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= (category.StartsWith("MimmoServe", StringComparison.Ordinal) ? LogLevel.Debug : LogLevel.Information);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
            }
        }
    }
}
