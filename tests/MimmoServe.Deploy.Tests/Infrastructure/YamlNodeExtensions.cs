using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>Reads a YAML tree with failures that say which key is missing or of the wrong kind, and where.</summary>
internal static class YamlNodeExtensions
{
    public static YamlNode? Find(this YamlNode node, string key) =>
        node is YamlMappingNode mapping && mapping.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    public static YamlNode Get(this YamlNode node, string key) =>
        node.Find(key) ?? throw new Xunit.Sdk.XunitException($"'{key}' is missing in the mapping at {node.Start}.");

    public static YamlMappingNode Map(this YamlNode node, string key) => node.Get(key) as YamlMappingNode
        ?? throw new Xunit.Sdk.XunitException($"'{key}' at {node.Start} is not a mapping.");

    public static YamlSequenceNode Seq(this YamlNode node, string key) => node.Get(key) as YamlSequenceNode
        ?? throw new Xunit.Sdk.XunitException($"'{key}' at {node.Start} is not a sequence.");

    public static string Str(this YamlNode node, string key) => (node.Get(key) as YamlScalarNode)?.Value
        ?? throw new Xunit.Sdk.XunitException($"'{key}' at {node.Start} is not a scalar.");

    public static string? OptStr(this YamlNode node, string key) => (node.Find(key) as YamlScalarNode)?.Value;

    public static int Int(this YamlNode node, string key) => int.Parse(node.Str(key), NumberStyles.Integer, CultureInfo.InvariantCulture);

    public static IEnumerable<YamlMappingNode> Maps(this YamlNode node, string key) => node.Seq(key).Children.Cast<YamlMappingNode>();

    public static IReadOnlyList<string> Strings(this YamlNode node, string key) =>
        node.Find(key) is YamlSequenceNode sequence ? sequence.Children.Cast<YamlScalarNode>().Select(s => s.Value ?? string.Empty).ToList() : [];

    /// <summary>A mapping of scalars as a dictionary (environment blocks, ConfigMap data, labels).</summary>
    public static Dictionary<string, string> ScalarMap(this YamlNode node, string key) =>
        node.Find(key) is YamlMappingNode mapping
            ? mapping.Children.ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => ((YamlScalarNode)p.Value).Value ?? string.Empty, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
}
