using MimmoServe.Deploy.Tests.Infrastructure;
using MimmoServe.Server.Configuration;
using YamlDotNet.RepresentationModel;

namespace MimmoServe.Deploy.Tests.Kubernetes;

/// <summary>
/// deploy/overlays/cpu-secure against the server's code: the TLS and tokens settings name files that the pod mounts from
/// the Secrets, the tokens reach the server as a file only its user can read, and the probes use the admin port.
/// </summary>
public sealed class SecureOverlayTests
{
    private static Manifests Manifests => Kustomize.Render(SecureOverlay.Folder);

    [Fact]
    public void Settings_SecureOverlay_TurnOnTlsAndTokensWithVariablesTheServerReads()
    {
        var environment = Manifests.Environment();
        var options = ServerSurface.Bind(environment);

        ServerSurface.AssertKnown(environment.Keys, $"The ConfigMap of {SecureOverlay.Folder}");
        Assert.NotNull(options.TlsCertificate);
        Assert.NotNull(options.TlsKey);
        Assert.NotNull(options.AuthTokensFile);
        Assert.Null(options.TlsClientCa);
    }

    [Fact]
    public void TlsFiles_SecureOverlay_MountedFromTheTlsSecret()
    {
        var options = ServerSurface.Bind(Manifests.Environment());

        foreach (var (path, key) in new[] { (options.TlsCertificate!, "tls.crt"), (options.TlsKey!, "tls.key") })
        {
            var (mount, volume) = MountOf(Manifests.Container, path);
            Assert.Equal(SecureOverlay.TlsSecret, volume.Map("secret").Str("secretName"));
            Assert.Equal(key, path[(mount.Str("mountPath").TrimEnd('/').Length + 1)..]);
            Assert.Equal("true", mount.Str("readOnly"));
        }
    }

    [Fact]
    public void TokensFile_SecureOverlay_CopiedFromTheSecretAsAFileOnlyTheServerUserReads()
    {
        var tokens = ServerSurface.Bind(Manifests.Environment()).AuthTokensFile!;
        var (_, served) = MountOf(Manifests.Container, tokens);
        var init = (YamlMappingNode)Manifests.PodSpec.Seq("initContainers").Children.Single();
        var command = string.Join(' ', init.Strings("command"));
        var (_, written) = MountOf(init, tokens);
        var secretMount = init.Maps("volumeMounts").Single(m => Volume(m.Str("name")).Find("secret") is not null);
        var secret = Volume(secretMount.Str("name")).Map("secret");

        // A memory emptyDir, not the Secret: the kubelet gives Secret files to the pod's fsGroup, which TokenFile warns about.
        Assert.Equal("Memory", served.Map("emptyDir").Str("medium"));
        Assert.Equal(served.Str("name"), written.Str("name"));
        Assert.Equal(SecureOverlay.TokensSecret, secret.Str("secretName"));
        Assert.Contains("-m 0600", command, StringComparison.Ordinal);
        Assert.EndsWith($" {secretMount.Str("mountPath").TrimEnd('/')}/tokens.txt {tokens}", command, StringComparison.Ordinal);
        Assert.Equal(Manifests.Container.Str("image"), init.Str("image"));
        Assert.Equal("false", init.Map("securityContext").Str("allowPrivilegeEscalation"));
        Assert.Equal("true", init.Map("securityContext").Str("readOnlyRootFilesystem"));
        Assert.DoesNotContain(Manifests.Container.Maps("volumeMounts"), m => m.Str("name") == secretMount.Str("name"));
    }

    [Fact]
    public void Probes_SecureOverlay_HttpOnTheAdminPortPathsTheServerAnswers()
    {
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var probe in (string[])["startupProbe", "readinessProbe", "livenessProbe"])
        {
            var http = Manifests.Container.Map(probe).Map("httpGet");
            Assert.Null(Manifests.Container.Map(probe).Find("grpc"));
            Assert.Equal("admin", http.Str("port"));
            paths[probe] = http.Str("path");
        }

        Assert.Equal(("/readyz", "/readyz", "/healthz"), (paths["startupProbe"], paths["readinessProbe"], paths["livenessProbe"]));
        Assert.All(paths.Values, p => Assert.Contains(p, CodeLiterals.All));
        Assert.Equal(MimmoServerOptions.DefaultAdminPort, Manifests.ContainerPort("admin"));
    }

    /// <summary>The volume mount of <paramref name="container"/> that holds <paramref name="path"/>, and its volume.</summary>
    private static (YamlMappingNode Mount, YamlMappingNode Volume) MountOf(YamlMappingNode container, string path)
    {
        var mount = container.Maps("volumeMounts").SingleOrDefault(m => path.StartsWith(m.Str("mountPath").TrimEnd('/') + "/", StringComparison.Ordinal));
        Assert.True(mount is not null, $"{container.Str("name")} mounts nothing at {path}.");
        return (mount, Volume(mount.Str("name")));
    }

    private static YamlMappingNode Volume(string name) => Manifests.PodSpec.Maps("volumes").Single(v => v.Str("name") == name);
}
