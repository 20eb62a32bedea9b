using MimmoServe.Grpc.Tests.Infrastructure;

namespace MimmoServe.Grpc.Tests.Interop;

/// <summary>grpc-js (@grpc/grpc-js, pinned in tests/interop/node) against our server: one test per case.</summary>
public sealed class NodeInteropTests : InteropTestsBase
{
    public NodeInteropTests(EchoServer server, TlsEchoServer tlsServer)
        : base(InteropClients.Node, server, tlsServer)
    {
    }
}
