using MimmoServe.Grpc.Tests.Infrastructure;

namespace MimmoServe.Grpc.Tests.Interop;

/// <summary>
/// Runs the foreign client's cases one at a time against our server (deadline and cancel compare the
/// server's counters, so cases of one client must not overlap). Each client class has its own servers,
/// so the two clients run side by side.
/// </summary>
public abstract class InteropTestsBase : IClassFixture<EchoServer>, IClassFixture<TlsEchoServer>
{
    private readonly string _client;
    private readonly EchoServer _server;
    private readonly TlsEchoServer _tlsServer;

    protected InteropTestsBase(string client, EchoServer server, TlsEchoServer tlsServer)
    {
        _client = client;
        _server = server;
        _tlsServer = tlsServer;
    }

    public static TheoryData<string> Cases => new(InteropClients.Cases);

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Case_AgainstOurServer_Passes(string testCase) =>
        testCase == "tls_unary"
            ? InteropClients.AssertPassesAsync(_client, testCase, _tlsServer.Target, _tlsServer.CaPath)
            : InteropClients.AssertPassesAsync(_client, testCase, _server.Target);

    [Fact]
    public async Task List_ClientCases_AreExactlyTheOnesTested()
    {
        Assert.Equal(InteropClients.Cases.Order(), (await InteropClients.ListAsync(_client)).Order());
    }
}
