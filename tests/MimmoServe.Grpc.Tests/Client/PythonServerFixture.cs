using MimmoServe.Grpc.Client;

namespace MimmoServe.Grpc.Tests.Client;

/// <summary>One plaintext Python reference server and one channel to it, shared by the tests of <see cref="PythonServerCollection"/>.</summary>
public sealed class PythonServerFixture : IAsyncLifetime, IEchoTarget
{
    private PythonEchoServer? _server;
    private GrpcChannel? _channel;

    public PythonEchoServer Server => _server ?? throw new InvalidOperationException("Not started.");

    public Uri Address => Server.Address;

    public GrpcChannel Channel => _channel ?? throw new InvalidOperationException("Not started.");

    public CallInvoker Invoker => Channel.CreateCallInvoker();

    public async Task InitializeAsync()
    {
        _server = await PythonEchoServer.StartAsync();
        _channel = GrpcChannel.ForAddress(_server.Address);
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
