using MimmoServe.Deploy.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace MimmoServe.Deploy.Tests.Observability;

/// <summary>The Prometheus and OpenTelemetry Collector configurations of docker-compose.yml.</summary>
public sealed class PrometheusAndCollectorTests
{
    private const string PrometheusPath = "deploy/observability/prometheus.yml";

    [Fact]
    [Trait(DependsOn.Trait, DependsOn.Telemetry)]
    public void Prometheus_ServerJob_ScrapesTheAdminPortOfTheServerAlias()
    {
        var job = Job("mimmoserve");
        var target = job.Maps("static_configs").Single().Strings("targets").Single();
        var host = target[..target.IndexOf(':', StringComparison.Ordinal)];
        var port = int.Parse(target[(target.IndexOf(':', StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal("/metrics", job.Str("metrics_path"));
        foreach (var variant in (string[])[Variants.Gpu, Variants.Cpu])
        {
            var service = ComposeFile.Service(Variants.ComposeService(variant));
            Assert.Contains(host, service.Map("networks").Map("default").Strings("aliases"));
            Assert.Equal(ServerSurface.Value<int>(ServerSurface.Bind(ComposeFile.Environment(Variants.ComposeService(variant))), "AdminPort"), port);
        }
    }

    [Fact]
    public void Prometheus_CollectorJob_ScrapesTheCollectorsPrometheusExporter()
    {
        var target = Job("otel-collector").Maps("static_configs").Single().Strings("targets").Single();
        var exporter = CollectorConfig.Root.Map("exporters").Map("prometheus").Str("endpoint");

        Assert.Equal("otel-collector", target[..target.IndexOf(':', StringComparison.Ordinal)]);
        Assert.False(string.IsNullOrEmpty(CollectorConfig.Root.Map("exporters").Map("prometheus").OptStr("namespace")), "Without a namespace the collector's copies of the server's metrics would double every dashboard sum.");
        Assert.Equal(exporter[(exporter.LastIndexOf(':') + 1)..], target[(target.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        Assert.Contains("./" + PrometheusPath + ":/etc/prometheus/prometheus.yml:ro", ComposeFile.Service("prometheus").Strings("volumes"));
        Assert.Contains("--config.file=/etc/prometheus/prometheus.yml", ComposeFile.Service("prometheus").Strings("command"));
    }

    [Fact]
    public void Collector_Pipelines_UseOnlyDefinedComponentsAndReceiveOtlp()
    {
        var root = CollectorConfig.Root;
        var pipelines = root.Map("service").Map("pipelines");

        Assert.Equal(["traces", "metrics", "logs"], pipelines.Children.Keys.Select(k => k.ToString()));
        foreach (var pipeline in pipelines.Children.Values)
        {
            Assert.Equal(["otlp"], pipeline.Strings("receivers"));
            foreach (var section in (string[])["receivers", "processors", "exporters"])
            {
                Assert.All(pipeline.Strings(section), c => Assert.NotNull(root.Map(section).Find(c)));
            }
        }

        Assert.All(root.Map("service").Strings("extensions"), e => Assert.NotNull(root.Map("extensions").Find(e)));
        var mount = ComposeFile.Service("otel-collector").Strings("volumes").Single();
        Assert.StartsWith("./" + CollectorConfig.Path + ":", mount, StringComparison.Ordinal);
        Assert.Contains("--config=" + mount.Split(':')[1], ComposeFile.Service("otel-collector").Strings("command"));
    }

    private static YamlMappingNode Job(string name) =>
        Yaml.LoadFile(PrometheusPath).Maps("scrape_configs").Single(j => j.Str("job_name") == name);
}
