using MimmoServe.Deploy.Tests.Infrastructure;
using MimmoServe.Server.Configuration;

namespace MimmoServe.Deploy.Tests.Kubernetes;

/// <summary>The rendered Deployment of each overlay against the server's code: ports, probes, drain, settings.</summary>
public sealed class DeploymentTests
{
    [Theory]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void Render_Overlay_HasEveryObjectOnce(string variant)
    {
        var manifests = Kustomize.Render(Variants.Overlay(variant));

        foreach (var kind in (string[])["Deployment", "ConfigMap", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ServiceAccount"])
        {
            manifests.Single(kind);
        }

        Assert.Equal(2, manifests.OfKind("Service").Count());
    }

    [Theory]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void GrpcPort_Overlay_IsThePortTheServerBinds(string variant)
    {
        var manifests = Kustomize.Render(Variants.Overlay(variant));
        var options = ServerSurface.Bind(manifests.Environment());

        Assert.Equal(MimmoServerOptions.DefaultPort, options.Port);
        Assert.Equal(options.Port, manifests.ContainerPort("grpc"));
    }

    [Theory]
    [Trait(DependsOn.Trait, DependsOn.Telemetry)]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void AdminPort_Overlay_IsThePortTheServerBindsAndPrometheusScrapes(string variant)
    {
        var manifests = Kustomize.Render(Variants.Overlay(variant));
        var adminPort = ServerSurface.Value<int>(ServerSurface.Bind(manifests.Environment()), "AdminPort");
        var annotations = manifests.Deployment.Map("spec").Map("template").Map("metadata").ScalarMap("annotations");

        Assert.Equal(adminPort, manifests.ContainerPort("admin"));
        Assert.Equal(adminPort.ToString(System.Globalization.CultureInfo.InvariantCulture), annotations["prometheus.io/port"]);
        Assert.Equal("/metrics", annotations["prometheus.io/path"]);
    }

    [Theory]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void Probes_Overlay_AreGrpcHealthChecksOfNamesTheServerRegisters(string variant)
    {
        var manifests = Kustomize.Render(Variants.Overlay(variant));
        var grpcPort = manifests.ContainerPort("grpc");
        var healthNames = ServerSurface.HealthNames(ServerSurface.BundledModels());

        foreach (var probe in (string[])["startupProbe", "readinessProbe", "livenessProbe"])
        {
            var grpc = manifests.Container.Map(probe).Map("grpc");
            Assert.Equal(grpcPort, grpc.Int("port"));
            var service = grpc.OptStr("service") ?? string.Empty;
            Assert.True(healthNames.Contains(service), $"{probe} checks health service '{service}', which the server never sets; it sets {string.Join(", ", healthNames.Select(n => $"'{n}'"))}.");
        }
    }

    [Theory]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void StartupProbe_Overlay_AllowsMinutesForModelLoading(string variant)
    {
        var startup = Kustomize.Render(Variants.Overlay(variant)).Container.Map("startupProbe");

        var seconds = startup.Int("periodSeconds") * startup.Int("failureThreshold");

        Assert.InRange(seconds, 120, 900);
    }

    [Theory]
    [Trait(DependsOn.Trait, DependsOn.Telemetry)]
    [Trait(DependsOn.Trait, DependsOn.Production)]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void ConfigMap_Overlay_SetsOnlyVariablesTheServerReads(string variant)
    {
        var environment = Kustomize.Render(Variants.Overlay(variant)).Environment();

        ServerSurface.AssertKnown(environment.Keys, $"The ConfigMap of {Variants.Overlay(variant)}");
        Assert.Equal(Variants.Provider(variant), environment["MIMMO_PROVIDER"]);
        Assert.Contains(environment["MIMMO_PROVIDER"], ServerSurface.ProviderNames);
    }

    [Theory]
    [Trait(DependsOn.Trait, DependsOn.Production)]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void Drain_Overlay_PreStopAndShutdownGraceFitTheTerminationGracePeriod(string variant)
    {
        var manifests = Kustomize.Render(Variants.Overlay(variant));
        var shutdownGrace = ServerSurface.Value<int>(ServerSurface.Bind(manifests.Environment()), "ShutdownGraceSeconds");
        var preStop = PreStopSeconds(manifests);
        var terminationGrace = manifests.PodSpec.Int("terminationGracePeriodSeconds");

        Assert.True(preStop > 0, "preStop must wait for the endpoint removal to reach clients before SIGTERM.");
        var drain = preStop + shutdownGrace + ServerSurface.ShutdownMarginSeconds;
        Assert.True(terminationGrace > drain && terminationGrace <= drain + 15, $"terminationGracePeriodSeconds {terminationGrace} must be a little above preStop {preStop} + grace {shutdownGrace} + {ServerSurface.ShutdownMarginSeconds} s to close = {drain}.");
    }

    [Theory]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void SecurityContext_Overlay_IsRestrictiveAndMatchesTheImageUser(string variant)
    {
        var manifests = Kustomize.Render(Variants.Overlay(variant));
        var pod = manifests.PodSpec.Map("securityContext");
        var container = manifests.Container.Map("securityContext");
        var imageUser = DockerfileFacts.FinalUser(variant);

        Assert.Equal("true", pod.Str("runAsNonRoot"));
        Assert.Equal(imageUser, pod.Str("runAsUser"));
        Assert.Equal("RuntimeDefault", pod.Map("seccompProfile").Str("type"));
        Assert.Equal("false", manifests.PodSpec.Str("automountServiceAccountToken"));
        Assert.Equal("false", container.Str("allowPrivilegeEscalation"));
        Assert.Equal("true", container.Str("readOnlyRootFilesystem"));
        Assert.Equal(["ALL"], container.Map("capabilities").Strings("drop"));
    }

    [Theory]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void Resources_Overlay_RequestCpuAndMemoryAndAGpuOnlyOnGpu(string variant)
    {
        var resources = Kustomize.Render(Variants.Overlay(variant)).Container.Map("resources");
        var requests = resources.ScalarMap("requests");
        var limits = resources.ScalarMap("limits");

        Assert.Contains("cpu", requests.Keys);
        Assert.Contains("memory", requests.Keys);
        Assert.Contains("memory", limits.Keys);
        if (variant == Variants.Gpu)
        {
            Assert.Equal("1", limits["nvidia.com/gpu"]);
        }
        else
        {
            Assert.DoesNotContain("nvidia.com/gpu", limits.Keys);
            Assert.DoesNotContain("nvidia.com/gpu", requests.Keys);
        }
    }

    /// <summary>The seconds of the container's preStop: an exec <c>sleep N</c> or the native sleep action.</summary>
    private static int PreStopSeconds(Manifests manifests)
    {
        var preStop = manifests.Container.Map("lifecycle").Map("preStop");
        if (preStop.Find("sleep") is { } sleep)
        {
            return sleep.Int("seconds");
        }

        var command = preStop.Map("exec").Strings("command");
        Assert.True(command.Count == 2 && command[0] == "sleep", $"preStop must be `sleep N`, found [{string.Join(", ", command)}].");
        return int.Parse(command[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
