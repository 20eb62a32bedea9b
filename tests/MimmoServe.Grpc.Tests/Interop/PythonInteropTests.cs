using MimmoServe.Grpc.Tests.Infrastructure;

namespace MimmoServe.Grpc.Tests.Interop;

/// <summary>Python grpcio (Debian's python3-grpcio) against our server: one test per case.</summary>
public sealed class PythonInteropTests : InteropTestsBase
{
    public PythonInteropTests(EchoServer server, TlsEchoServer tlsServer)
        : base(InteropClients.Python, server, tlsServer)
    {
    }
}
