namespace MimmoServe.Grpc.Tests.Infrastructure;

/// <summary>The same server over TLS with a throw-away certificate.</summary>
public sealed class TlsEchoServer : EchoServer
{
    public TlsEchoServer()
        : base(tls: true)
    {
    }
}
