using MimmoServe.Deploy.Tests.Infrastructure;
using MimmoServe.Server.Configuration;

namespace MimmoServe.Deploy.Tests.Compose;

/// <summary>docker-compose.yml's server services against the Dockerfile and the server's code.</summary>
public sealed class ComposeTests
{
    [Theory]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void ServerService_Variant_BuildsTheDockerfileVariantUnderItsProfile(string variant)
    {
        var service = ComposeFile.Service(Variants.ComposeService(variant));
        var build = service.Map("build");

        Assert.Equal([variant], service.Strings("profiles"));
        Assert.Equal(DockerfileFacts.ImageName(variant), service.Str("image"));
        Assert.Equal(".", build.Str("context"));
        Assert.Equal("Dockerfile", build.Str("dockerfile"));
        Assert.Equal(variant, build.Map("args").Str(Variants.BuildArg));
    }

    [Fact]
    public void GpuService_Deploy_ReservesOneNvidiaGpu()
    {
        var device = (YamlDotNet.RepresentationModel.YamlMappingNode)ComposeFile.Service(Variants.ComposeService(Variants.Gpu))
            .Map("deploy").Map("resources").Map("reservations").Seq("devices").Children.Single();

        Assert.Equal("nvidia", device.Str("driver"));
        Assert.Equal("1", device.Str("count"));
        Assert.Equal(["gpu"], device.Strings("capabilities"));
        Assert.Null(ComposeFile.Service(Variants.ComposeService(Variants.Cpu)).Find("deploy"));
    }

    [Theory]
    [Trait(DependsOn.Trait, DependsOn.Telemetry)]
    [Trait(DependsOn.Trait, DependsOn.Production)]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void Environment_ServerService_SetsOnlyVariablesTheServerReads(string variant)
    {
        var environment = ComposeFile.Environment(Variants.ComposeService(variant));

        ServerSurface.AssertKnown(environment.Keys, $"Compose service {Variants.ComposeService(variant)}");
        Assert.Equal(Variants.Provider(variant), environment["MIMMO_PROVIDER"]);
        Assert.Equal(DockerfileFacts.FinalEnvironment(variant)["MIMMO_MODELS"], environment["MIMMO_MODELS"]);
    }

    [Theory]
    [Trait(DependsOn.Trait, DependsOn.Telemetry)]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void Ports_ServerService_PublishTheGrpcAndAdminPorts(string variant)
    {
        var name = Variants.ComposeService(variant);
        var options = ServerSurface.Bind(ComposeFile.Environment(name));

        Assert.Equal(MimmoServerOptions.DefaultPort, options.Port);
        Assert.Equal([options.Port, ServerSurface.Value<int>(options, "AdminPort")], ComposeFile.ContainerPorts(name));
    }

    [Theory]
    [Trait(DependsOn.Trait, DependsOn.Production)]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void StopGracePeriod_ServerService_CoversTheShutdownGrace(string variant)
    {
        var name = Variants.ComposeService(variant);
        var shutdownGrace = ServerSurface.Value<int>(ServerSurface.Bind(ComposeFile.Environment(name)), "ShutdownGraceSeconds");

        var drain = shutdownGrace + ServerSurface.ShutdownMarginSeconds;
        Assert.InRange(ComposeFile.Seconds(ComposeFile.Service(name).Str("stop_grace_period")), drain + 1, drain + 15);
    }

    [Theory]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void Otlp_ServerService_ExportsToTheCollectorsGrpcReceiver(string variant)
    {
        var endpoint = new Uri(ComposeFile.Environment(Variants.ComposeService(variant))["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var receiver = CollectorConfig.Root.Map("receivers").Map("otlp").Map("protocols").Map("grpc").Str("endpoint");

        Assert.Contains(endpoint.Host, ComposeFile.Root.Map("services").Children.Keys.Select(k => k.ToString()));
        Assert.Equal(receiver[(receiver.LastIndexOf(':') + 1)..], endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void Security_ServerService_ReadOnlyWithoutCapabilitiesOrNewPrivileges(string variant)
    {
        var service = ComposeFile.Service(Variants.ComposeService(variant));

        Assert.Equal("true", service.Str("read_only"));
        Assert.Equal(["ALL"], service.Strings("cap_drop"));
        Assert.Contains("no-new-privileges:true", service.Strings("security_opt"));
        Assert.Contains("/tmp", service.Strings("tmpfs"));
        Assert.Null(service.Find("user"));
    }

    [Fact]
    public void Ports_EveryService_PublishedOnLoopbackOnly()
    {
        foreach (var (name, service) in ComposeFile.Root.Map("services").Children)
        {
            foreach (var port in service.Strings("ports"))
            {
                var loopback = port.StartsWith("127.0.0.1:", StringComparison.Ordinal);
                Assert.True(loopback, $"{name} publishes '{port}' on every interface of the host: use 127.0.0.1.");
            }
        }
    }

    [Fact]
    public void Grafana_Environment_NoAnonymousAccessOrSignUp()
    {
        var environment = ComposeFile.Environment("grafana");

        Assert.Equal("false", environment["GF_AUTH_ANONYMOUS_ENABLED"]);
        Assert.Equal("false", environment["GF_USERS_ALLOW_SIGN_UP"]);
        Assert.False(environment.ContainsKey("GF_AUTH_ANONYMOUS_ORG_ROLE"));
    }

    [Theory]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void AdminAddress_ServerService_ReachableByThePrometheusContainer(string variant)
    {
        var options = ServerSurface.Bind(ComposeFile.Environment(Variants.ComposeService(variant)));
        var prometheus = Infrastructure.Yaml.LoadFile("deploy/observability/prometheus.yml");
        var targets = prometheus.Maps("scrape_configs")
            .SelectMany(c => c.Find("static_configs") is null ? [] : c.Maps("static_configs"))
            .SelectMany(c => c.Strings("targets"));

        Assert.Equal("0.0.0.0", options.AdminAddress);
        Assert.Contains($"mimmoserve:{options.AdminPort}", targets);
    }

    [Fact]
    public void Images_ObservabilityServices_PinnedByFullVersionTag()
    {
        foreach (var name in (string[])["otel-collector", "prometheus", "grafana"])
        {
            var image = ImageReference.Parse(ComposeFile.Service(name).Str("image"));
            Assert.True(image.IsPinned, $"{name} uses {image}: pin it by a full version tag.");
        }
    }

    [Fact]
    public void Mounts_EveryService_BindFilesThatExist()
    {
        foreach (var service in ComposeFile.Root.Map("services").Children.Values)
        {
            foreach (var volume in service.Strings("volumes").Where(v => v.StartsWith("./", StringComparison.Ordinal)))
            {
                var source = volume[2..volume.IndexOf(':', StringComparison.Ordinal)];
                Assert.True(File.Exists(RepositoryFiles.PathOf(source)) || Directory.Exists(RepositoryFiles.PathOf(source)), $"{volume}: {source} is not in the repository.");
            }
        }
    }
}
