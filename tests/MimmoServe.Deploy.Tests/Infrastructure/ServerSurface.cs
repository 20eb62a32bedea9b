using System.Reflection;
using Microsoft.Extensions.Configuration;
using MimmoServe.Protocol;
using MimmoServe.Server.Configuration;

namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>
/// What the built server accepts, read from its code: the settings of <c>ServerSetting.All</c> and the provider
/// names (internal, so by reflection: no InternalsVisibleTo is needed), the properties and defaults of
/// <see cref="MimmoServerOptions"/>, the health service names it registers.
/// </summary>
internal static class ServerSurface
{
    /// <summary>Standard OpenTelemetry SDK variables the deployment may set (the SDK reads them, not our code).</summary>
    public static readonly string[] OpenTelemetryVariables =
        ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES"];

    private static readonly Assembly Server = typeof(MimmoServerOptions).Assembly;
    private static readonly Lazy<IReadOnlyList<ServerSetting>> LazySettings = new(ReadSettings);

    public static IReadOnlyList<ServerSetting> Settings => LazySettings.Value;

    public static IReadOnlyList<string> ProviderNames =>
        (string[])InternalType("MimmoServe.Server.Configuration.ProviderNames").GetField("All", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    /// <summary>The health service names the server sets: "", the service, and one per model of <paramref name="models"/>.</summary>
    public static IReadOnlyList<string> HealthNames(IEnumerable<string> models) =>
        [string.Empty, InferenceMethods.ServiceName, .. models.Select(InferenceMethods.HealthName)];

    /// <summary>The models bundled in the repository's models/ folder (each folder holding a model.onnx).</summary>
    public static IReadOnlyList<string> BundledModels() =>
        Directory.GetDirectories(RepositoryFiles.PathOf("models"))
            .Where(d => File.Exists(Path.Combine(d, "model.onnx")))
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)
            .ToList()!;

    /// <summary>
    /// The options the server would bind from <paramref name="environment"/>, the way it does: <c>Section__Key</c>
    /// variables, then the <c>MIMMO_*</c> variables of <see cref="Settings"/> (later wins); unknown variables are ignored.
    /// </summary>
    public static MimmoServerOptions Bind(IReadOnlyDictionary<string, string> environment)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in environment.Where(v => v.Key.Contains("__", StringComparison.Ordinal)))
        {
            values[name.Replace("__", ":", StringComparison.Ordinal)] = value;
        }

        foreach (var setting in Settings)
        {
            if (environment.TryGetValue(setting.EnvironmentVariable, out var value) && value.Length > 0)
            {
                values[setting.Key] = value;
            }
        }

        var options = new MimmoServerOptions();
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(MimmoServerOptions.SectionName).Bind(options);
        return options;
    }

    /// <summary>An options property that another branch adds; fails naming that branch while it is missing.</summary>
    public static T Value<T>(MimmoServerOptions options, string property)
    {
        var info = typeof(MimmoServerOptions).GetProperty(property);
        var branch = Array.Find(AgreedSetting.Pending, s => s.Property == property)?.Branch ?? "main";
        Assert.True(info is not null, $"MimmoServerOptions has no property {property}: it is agreed for issue 8 and comes with branch '{branch}'.");
        return (T)info.GetValue(options)!;
    }

    /// <summary>
    /// The variables of <paramref name="names"/> the server would not understand: a <c>MIMMO_*</c> variable not in
    /// <see cref="Settings"/>, a <c>Mimmo__Key</c> without a <see cref="MimmoServerOptions"/> property, an
    /// <c>OTEL_*</c> variable outside <see cref="OpenTelemetryVariables"/>. Other variables (DOTNET_*, PATH) are not the server's.
    /// </summary>
    public static IReadOnlyList<string> Unknown(IEnumerable<string> names)
    {
        var unknown = new List<string>();
        foreach (var name in names)
        {
            if (name.StartsWith("MIMMO_", StringComparison.Ordinal) && !Settings.Any(s => s.EnvironmentVariable == name))
            {
                unknown.Add(name + AgreedSetting.BranchNote(name));
            }
            else if (name.StartsWith(MimmoServerOptions.SectionName + "__", StringComparison.OrdinalIgnoreCase)
                     && typeof(MimmoServerOptions).GetProperty(name[(MimmoServerOptions.SectionName.Length + 2)..], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is null)
            {
                unknown.Add(name);
            }
            else if (name.StartsWith("OTEL_", StringComparison.Ordinal) && !OpenTelemetryVariables.Contains(name))
            {
                unknown.Add(name);
            }
        }

        return unknown;
    }

    /// <summary>
    /// Seconds the server may take after its shutdown grace to close the endpoint and release the models: the
    /// <c>ShutdownMarginSeconds</c> constant of <see cref="MimmoServerOptions"/> (branch production), else 5.
    /// </summary>
    public static int ShutdownMarginSeconds =>
        typeof(MimmoServerOptions).GetField("ShutdownMarginSeconds", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as int? ?? 5;

    /// <summary>Fails listing every variable of <paramref name="names"/> the server would not understand (see <see cref="Unknown"/>).</summary>
    public static void AssertKnown(IEnumerable<string> names, string source)
    {
        var unknown = Unknown(names);
        Assert.True(unknown.Count == 0, $"{source} uses variables the server does not read: {string.Join(", ", unknown)}.");
    }

    private static IReadOnlyList<ServerSetting> ReadSettings()
    {
        var type = InternalType("MimmoServe.Server.Configuration.ServerSetting");
        var all = (Array)type.GetField("All", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        return all.Cast<object>().Select(s => new ServerSetting(Read(s, "Option"), Read(s, "EnvironmentVariable"), Read(s, "Key"))).ToList();

        static string Read(object row, string property) => (string)row.GetType().GetProperty(property)!.GetValue(row)!;
    }

    private static Type InternalType(string name) =>
        Server.GetType(name) ?? throw new InvalidOperationException($"{name} is not in {Server.GetName().Name}: the deploy tests read it by reflection.");
}
