using YamlDotNet.RepresentationModel;

namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>The prometheus-adapter rule of deploy/prometheus-adapter/values.yaml that serves the autoscaler's custom metric.</summary>
internal static class AdapterRule
{
    public const string ValuesFile = "deploy/prometheus-adapter/values.yaml";

    /// <summary>The single custom rule.</summary>
    public static YamlMappingNode Rule => (YamlMappingNode)Yaml.LoadFile(ValuesFile).Map("rules").Seq("custom").Children.Single();

    /// <summary>The name the adapter serves the metric under (<c>name.as</c>): what the HPA asks for.</summary>
    public static string ExposedName => Rule.Map("name").Str("as");
}
