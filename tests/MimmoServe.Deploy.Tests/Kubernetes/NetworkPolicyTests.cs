using MimmoServe.Deploy.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace MimmoServe.Deploy.Tests.Kubernetes;

/// <summary>
/// The NetworkPolicy of every overlay (deploy/network-policy): it selects the server's pods, admits the gRPC port from the
/// cluster and the admin port from Prometheus only, and nothing else.
/// </summary>
public sealed class NetworkPolicyTests
{
    public static TheoryData<string> Overlays => new() { Variants.Overlay(Variants.Cpu), Variants.Overlay(Variants.Gpu), SecureOverlay.Folder };

    [Theory]
    [MemberData(nameof(Overlays))]
    public void NetworkPolicy_Overlay_SelectsTheServerPodsForIngress(string overlay)
    {
        var manifests = Kustomize.Render(overlay);
        var spec = manifests.Single("NetworkPolicy").Map("spec");

        Assert.Equal(["Ingress"], spec.Strings("policyTypes"));
        Assert.True(Selects(spec.Map("podSelector"), PodLabels(manifests)), $"{overlay}: the NetworkPolicy does not select the server's pods.");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void NetworkPolicy_Overlay_AdmitsTheGrpcPortFromTheClusterAndTheAdminPortFromPrometheusOnly(string overlay)
    {
        var manifests = Kustomize.Render(overlay);
        var rules = manifests.Single("NetworkPolicy").Map("spec").Maps("ingress").ToList();
        var byPort = rules.ToDictionary(r => r.Maps("ports").Single().Str("port"), r => r.Maps("from").Single());

        Assert.Equal(["admin", "grpc"], byPort.Keys.Order(StringComparer.Ordinal));
        // Named ports: they must be the container's.
        manifests.ContainerPort("grpc");
        manifests.ContainerPort("admin");
        Assert.Empty(byPort["grpc"].Map("namespaceSelector").Children);
        Assert.Null(byPort["grpc"].Find("podSelector"));
        Assert.Null(byPort["grpc"].Find("ipBlock"));

        var prometheus = byPort["admin"];
        Assert.NotEmpty(prometheus.Map("namespaceSelector").ScalarMap("matchLabels"));
        var prometheusPods = prometheus.Map("podSelector");
        Assert.Equal("prometheus", prometheusPods.ScalarMap("matchLabels").GetValueOrDefault("app.kubernetes.io/name"));
        // A kustomize `labels` transformer with includeSelectors would have added the server's labels to this selector.
        Assert.False(Selects(prometheusPods, PodLabels(manifests)), $"{overlay}: the admin port's peer selects the server's own pods, not Prometheus.");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void AdminAddress_Overlay_EveryInterfaceSoThatPrometheusReachesIt(string overlay)
    {
        var options = ServerSurface.Bind(Kustomize.Render(overlay).Environment());

        Assert.Equal("0.0.0.0", options.AdminAddress);
        Assert.NotEqual(options.AdminAddress, new Server.Configuration.MimmoServerOptions().AdminAddress);
    }

    private static Dictionary<string, string> PodLabels(Manifests manifests) =>
        manifests.Deployment.Map("spec").Map("template").Map("metadata").ScalarMap("labels");

    private static bool Selects(YamlMappingNode selector, Dictionary<string, string> labels) =>
        selector.Find("matchExpressions") is null && selector.ScalarMap("matchLabels").All(l => labels.GetValueOrDefault(l.Key) == l.Value);
}
