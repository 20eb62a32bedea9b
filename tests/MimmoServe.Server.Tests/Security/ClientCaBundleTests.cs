using System.Security.Cryptography.X509Certificates;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Security;

/// <summary>
/// mTLS with a client certificate signed by an intermediate CA: the server downloads nothing, so the chain is built from
/// the CA bundle and what the client sends. Intermediates in the bundle serve clients that send only their own
/// certificate; a bundle of the root alone serves clients that send the intermediate too, and no others.
/// </summary>
public sealed class ClientCaBundleTests : IDisposable
{
    private readonly TestPki _pki = new();
    private readonly TestModels _models = new();

    [Theory]
    [InlineData(true, false, true)]
    [InlineData(false, true, true)]
    [InlineData(false, false, false)]
    public async Task Handshake_CertificateUnderAnIntermediate_ChainBuiltFromTheBundleAndWhatTheClientSent(
        bool intermediateInBundle, bool clientSendsIt, bool accepted)
    {
        var (root, intermediate, certificatePath, keyPath) = _pki.IssueClientCertificateUnderAnIntermediate();
        var bundle = Path.Combine(_pki.Directory, "bundle.pem");
        File.WriteAllText(bundle, File.ReadAllText(root) + "\n" + (intermediateInBundle ? File.ReadAllText(intermediate) : string.Empty));
        _models.Add("mimo", TestModels.Fixture("mimo.onnx"));
        await using var server = await TestServer.StartAsync(_models.Directory, new Dictionary<string, string?>
        {
            ["Mimmo:TlsCertificate"] = _pki.ServerCertificatePath,
            ["Mimmo:TlsKey"] = _pki.ServerKeyPath,
            ["Mimmo:TlsClientCa"] = bundle,
        });
        using var serverCa = _pki.LoadServerCa();
        using var certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        using var intermediateCertificate = X509CertificateLoader.LoadCertificateFromFile(intermediate);

        var result = await TlsHandshake.AcceptedAsync(server.Port, certificate, serverCa, clientSendsIt ? [intermediateCertificate] : null);

        Assert.Equal(accepted, result);
    }

    public void Dispose()
    {
        _models.Dispose();
        _pki.Dispose();
    }
}
