using YamlDotNet.RepresentationModel;

namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>The Kubernetes objects of one rendered kustomization.</summary>
internal sealed class Manifests(string folder, IReadOnlyList<YamlMappingNode> objects)
{
    public string Folder { get; } = folder;

    public IReadOnlyList<YamlMappingNode> Objects { get; } = objects;

    public IEnumerable<YamlMappingNode> OfKind(string kind) => Objects.Where(o => o.OptStr("kind") == kind);

    /// <summary>The one object of <paramref name="kind"/> (and <paramref name="name"/> when given).</summary>
    public YamlMappingNode Single(string kind, string? name = null)
    {
        var found = OfKind(kind).Where(o => name is null || o.Map("metadata").Str("name") == name).ToList();
        Assert.True(found.Count == 1, $"{Folder}: expected one {kind}{(name is null ? string.Empty : " " + name)}, found {found.Count}.");
        return found[0];
    }

    public YamlMappingNode Deployment => Single("Deployment");

    public YamlMappingNode PodSpec => Deployment.Map("spec").Map("template").Map("spec");

    /// <summary>The server's container: the first of the pod.</summary>
    public YamlMappingNode Container => (YamlMappingNode)PodSpec.Seq("containers").Children[0];

    /// <summary>The data of the ConfigMap the container takes its environment from (envFrom).</summary>
    public Dictionary<string, string> Environment()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in Container.Find("envFrom") is null ? [] : Container.Maps("envFrom"))
        {
            var name = source.Map("configMapRef").Str("name");
            foreach (var (key, value) in Single("ConfigMap", name).ScalarMap("data"))
            {
                environment[key] = value;
            }
        }

        foreach (var variable in Container.Find("env") is null ? [] : Container.Maps("env"))
        {
            environment[variable.Str("name")] = variable.OptStr("value") ?? string.Empty;
        }

        return environment;
    }

    /// <summary>The container port named <paramref name="name"/>.</summary>
    public int ContainerPort(string name)
    {
        var port = Container.Maps("ports").SingleOrDefault(p => p.OptStr("name") == name);
        Assert.True(port is not null, $"{Folder}: the container has no port named '{name}'.");
        return port.Int("containerPort");
    }
}
