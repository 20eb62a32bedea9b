using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Tests.Infrastructure;

namespace MimmoServe.Grpc.Tests.Client;

/// <summary>Our own server (in-process, plaintext) and one channel to it, shared by the tests of <see cref="OwnServerCollection"/>.</summary>
public sealed class OwnServerFixture : IAsyncLifetime, IEchoTarget
{
    private readonly EchoServer _server = new();
    private GrpcChannel? _channel;

    public Uri Address => new($"http://{_server.Target}");

    public CallInvoker Invoker => (_channel ?? throw new InvalidOperationException("Not started.")).CreateCallInvoker();

    public async Task InitializeAsync()
    {
        await _server.InitializeAsync();
        _channel = GrpcChannel.ForAddress(Address);
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        await _server.DisposeAsync();
    }
}
