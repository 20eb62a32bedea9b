using YamlDotNet.RepresentationModel;

namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>The OpenTelemetry Collector configuration of docker-compose.yml.</summary>
internal static class CollectorConfig
{
    public const string Path = "deploy/observability/otel-collector.yaml";

    private static readonly Lazy<YamlMappingNode> LazyRoot = new(() => Yaml.LoadFile(Path));

    public static YamlMappingNode Root => LazyRoot.Value;
}
