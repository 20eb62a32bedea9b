using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace MimmoServe.Server.Tests.Infrastructure;

/// <summary>
/// A TCP listener on loopback that counts the connections it gets and never answers them (it holds them open until
/// disposed), as an internal HTTP service would that a server must not be made to call.
/// </summary>
internal sealed class ConnectionTrap : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentBag<Socket> _held = [];
    private readonly CancellationTokenSource _stop = new();
    private int _connections;

    public ConnectionTrap()
    {
        _listener.Start();
        _ = AcceptAsync();
    }

    /// <summary><c>http://127.0.0.1:port/</c>.</summary>
    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    public int Connections => Volatile.Read(ref _connections);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var socket in _held)
        {
            socket.Dispose();
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
                _held.Add(socket);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Disposed.
        }
    }
}
