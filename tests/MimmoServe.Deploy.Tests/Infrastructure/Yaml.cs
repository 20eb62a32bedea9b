using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>Parses YAML files, resolving anchors and merge keys (<c>&lt;&lt;: *anchor</c>) as Docker Compose does.</summary>
internal static class Yaml
{
    /// <summary>Every document of a (multi-document) YAML text whose root is a mapping.</summary>
    public static IReadOnlyList<YamlMappingNode> LoadAll(string text)
    {
        var stream = new YamlStream();
        stream.Load(new MergingParser(new Parser(new StringReader(text))));
        return stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().ToList();
    }

    /// <summary>The single document of a repository file.</summary>
    public static YamlMappingNode LoadFile(string relative)
    {
        var documents = LoadAll(RepositoryFiles.Read(relative));
        Assert.True(documents.Count == 1, $"{relative}: expected one YAML document with a mapping at its root, found {documents.Count}.");
        return documents[0];
    }
}
