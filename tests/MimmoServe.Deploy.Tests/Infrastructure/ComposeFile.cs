using YamlDotNet.RepresentationModel;

namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>docker-compose.yml with its anchors and merge keys resolved.</summary>
internal static class ComposeFile
{
    public const string Path = "docker-compose.yml";

    private static readonly Lazy<YamlMappingNode> LazyRoot = new(() => Yaml.LoadFile(Path));

    public static YamlMappingNode Root => LazyRoot.Value;

    public static YamlMappingNode Service(string name) => Root.Map("services").Map(name);

    /// <summary>The environment of a service (the mapping form).</summary>
    public static Dictionary<string, string> Environment(string service) => Service(service).ScalarMap("environment");

    /// <summary>The container side of each published port ("host:container").</summary>
    public static IReadOnlyList<int> ContainerPorts(string service) =>
        Service(service).Strings("ports").Select(p => int.Parse(p[(p.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).ToList();

    /// <summary>A duration such as "30s" or "1m30s" in seconds.</summary>
    public static int Seconds(string duration)
    {
        var total = 0;
        var number = 0;
        foreach (var c in duration)
        {
            if (char.IsAsciiDigit(c))
            {
                number = (number * 10) + (c - '0');
                continue;
            }

            total += number * c switch
            {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                _ => throw new FormatException($"'{duration}' is not a duration such as 30s."),
            };
            number = 0;
        }

        return total + number;
    }
}
