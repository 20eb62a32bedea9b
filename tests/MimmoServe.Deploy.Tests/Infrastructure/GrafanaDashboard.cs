using System.Text.Json;

namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>The provisioned Grafana dashboard: its panels and their PromQL expressions.</summary>
internal static class GrafanaDashboard
{
    public const string Path = "deploy/observability/grafana/dashboards/mimmoserve.json";

    public static JsonElement Root => JsonDocument.Parse(RepositoryFiles.Read(Path)).RootElement;

    /// <summary>Every panel that is not a row, with its title and the expressions of its targets.</summary>
    public static IReadOnlyList<(string Title, IReadOnlyList<string> Expressions)> Panels() =>
        Root.GetProperty("panels").EnumerateArray()
            .Where(p => p.GetProperty("type").GetString() != "row")
            .Select(p => (p.GetProperty("title").GetString()!, (IReadOnlyList<string>)p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!).ToList()))
            .ToList();

    /// <summary>Every data source uid the dashboard refers to (panels, targets, template variables).</summary>
    public static IReadOnlyList<string> DataSourceUids()
    {
        var uids = new List<string>();
        Collect(Root);
        return uids;

        void Collect(JsonElement element)
        {
            if (element.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "datasource" && property.Value.ValueKind == JsonValueKind.Object)
                    {
                        uids.Add(property.Value.GetProperty("uid").GetString()!);
                    }

                    Collect(property.Value);
                }
            }
            else if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item);
                }
            }
        }
    }
}
