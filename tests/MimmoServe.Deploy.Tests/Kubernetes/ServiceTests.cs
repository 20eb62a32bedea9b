using MimmoServe.Deploy.Tests.Infrastructure;

namespace MimmoServe.Deploy.Tests.Kubernetes;

/// <summary>The Services, the autoscaler and the disruption budget of each overlay, and the image they run.</summary>
public sealed class ServiceTests
{
    [Theory]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void GrpcService_Overlay_IsHeadlessOnTheGrpcPort(string variant)
    {
        var manifests = Kustomize.Render(Variants.Overlay(variant));
        var spec = ServiceWithTarget(manifests, "grpc").Map("spec");

        Assert.Equal("None", spec.Str("clusterIP"));
        Assert.Equal(manifests.ContainerPort("grpc"), spec.Maps("ports").Single().Int("port"));
        AssertSelectsThePods(manifests, spec);
    }

    [Theory]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void AdminService_Overlay_IsClusterIpOnTheAdminPort(string variant)
    {
        var manifests = Kustomize.Render(Variants.Overlay(variant));
        var spec = ServiceWithTarget(manifests, "admin").Map("spec");

        Assert.Equal("ClusterIP", spec.Str("type"));
        Assert.Null(spec.OptStr("clusterIP"));
        Assert.Equal(manifests.ContainerPort("admin"), spec.Maps("ports").Single().Int("port"));
        AssertSelectsThePods(manifests, spec);
    }

    [Theory]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void Autoscaler_Overlay_ScalesTheDeploymentOnQueueTimeWithCpuFallback(string variant)
    {
        var manifests = Kustomize.Render(Variants.Overlay(variant));
        var spec = manifests.Single("HorizontalPodAutoscaler").Map("spec");
        var metrics = spec.Maps("metrics").ToList();

        Assert.Equal(manifests.Deployment.Map("metadata").Str("name"), spec.Map("scaleTargetRef").Str("name"));
        var custom = metrics.Single(m => m.Str("type") == "Pods").Map("pods").Map("metric").Str("name");
        Assert.Equal(AdapterRule.ExposedName, custom);
        var resource = metrics.Single(m => m.Str("type") == "Resource").Map("resource");
        Assert.Equal("cpu", resource.Str("name"));
        Assert.InRange(spec.Int("minReplicas"), 2, spec.Int("maxReplicas"));
    }

    [Theory]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void DisruptionBudget_Overlay_SelectsThePodsAndLetsOneGo(string variant)
    {
        var manifests = Kustomize.Render(Variants.Overlay(variant));
        var spec = manifests.Single("PodDisruptionBudget").Map("spec");
        var podLabels = manifests.Deployment.Map("spec").Map("template").Map("metadata").ScalarMap("labels");

        Assert.Equal("1", spec.Str("maxUnavailable"));
        Assert.All(spec.Map("selector").ScalarMap("matchLabels"), l => Assert.Equal(l.Value, podLabels.GetValueOrDefault(l.Key)));
    }

    [Theory]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void Image_Overlay_IsTheDockerfileImageOfTheVariant(string variant)
    {
        var image = Kustomize.Render(Variants.Overlay(variant)).Container.Str("image");

        Assert.Equal(DockerfileFacts.ImageName(variant), image);
    }

    private static YamlDotNet.RepresentationModel.YamlMappingNode ServiceWithTarget(Manifests manifests, string portName) =>
        manifests.OfKind("Service").Single(s => s.Map("spec").Maps("ports").Any(p => p.OptStr("targetPort") == portName));

    private static void AssertSelectsThePods(Manifests manifests, YamlDotNet.RepresentationModel.YamlMappingNode serviceSpec)
    {
        var podLabels = manifests.Deployment.Map("spec").Map("template").Map("metadata").ScalarMap("labels");
        var selector = serviceSpec.ScalarMap("selector");
        Assert.NotEmpty(selector);
        Assert.All(selector, l => Assert.Equal(l.Value, podLabels.GetValueOrDefault(l.Key)));
    }
}
