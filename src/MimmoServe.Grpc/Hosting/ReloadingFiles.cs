using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace MimmoServe.Grpc.Hosting;

/// <summary>
/// A value parsed from files (a certificate with its key, a CA bundle) and parsed again when one of them changes, so a
/// rotated file (a renewed Kubernetes secret, certbot) serves new connections without a restart. Kestrel asks at every
/// TLS handshake: the files are stat'ed then (one stat per file per new connection; gRPC connections are long-lived).
/// <para>A change that cannot be parsed (a half-written file, a key that does not match) keeps the last good value. The
/// failure is remembered with the files' stamps and logged once as a warning: later handshakes neither parse the same
/// bad files again nor log again, until a file changes.</para>
/// </summary>
/// <remarks>Threading: handshakes run concurrently. The state is one immutable object swapped by reference; a reload
/// runs under a lock, so one change is parsed (and logged) once. A replaced value is not disposed: a handshake may
/// still be using it.</remarks>
internal sealed class ReloadingFiles<T>
    where T : class
{
    private readonly string[] _paths;
    private readonly Func<T> _parse;
    private readonly string _what;
    private readonly ILogger _logger;
    private readonly Lock _reload = new();
    private volatile State _state;

    private ReloadingFiles(string what, string[] paths, Func<T> parse, ILogger logger, State state)
    {
        _what = what;
        _paths = paths;
        _parse = parse;
        _logger = logger;
        _state = state;
    }

    /// <summary>Parses the files now; an exception here fails the start-up.</summary>
    /// <param name="what">What the files hold, for the log ("server certificate").</param>
    public static ReloadingFiles<T> Load(string what, IReadOnlyList<string> paths, Func<T> parse, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(logger);
        var stamp = FileStamp.Of(paths);
        return new ReloadingFiles<T>(what, [.. paths], parse, logger, new State(parse(), stamp, null));
    }

    /// <summary>The value for a new connection: parsed again first if a file changed since the last attempt.</summary>
    public T Current
    {
        get
        {
            var state = _state;
            var stamp = FileStamp.Of(_paths);
            if (state.Knows(stamp))
            {
                return state.Value;
            }

            lock (_reload)
            {
                state = _state;
                if (state.Knows(stamp))
                {
                    return state.Value;
                }

                try
                {
                    // The stamp was taken before parsing: a file that changes during the parse is parsed again next time.
                    var value = _parse();
                    _state = new State(value, stamp, null);
                    TlsLog.Reloaded(_logger, _what, Files);
                    return value;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException
                                              or FormatException or InvalidOperationException)
                {
                    _state = state with { FailedStamp = stamp };
                    TlsLog.ReloadFailed(_logger, _what, Files, e.Message);
                    return state.Value;
                }
            }
        }
    }

    private string Files => string.Join(", ", _paths);

    /// <summary>The value in use and the stamps it was parsed from; the stamps of the last change that failed, if any.</summary>
    private sealed record State(T Value, FileStamp[] Stamp, FileStamp[]? FailedStamp)
    {
        public bool Knows(FileStamp[] now) => now.AsSpan().SequenceEqual(Stamp) || (FailedStamp is not null && now.AsSpan().SequenceEqual(FailedStamp));
    }
}
