using System.Collections;
using Microsoft.Extensions.Configuration;

namespace MimmoServe.Server.Configuration;

/// <summary>
/// Adds the server's own configuration sources on top of ASP.NET Core's (appsettings.json, then
/// appsettings.{Environment}.json, then <c>Section__Key</c> environment variables): the <c>MIMMO_*</c> variables of
/// <see cref="ServerSetting.All"/>, then the command line. Later sources win, so the command line beats the
/// environment, which beats appsettings.json.
/// </summary>
internal static class ServerConfiguration
{
    public static IConfigurationBuilder AddServerSources(this IConfigurationBuilder builder, CommandLine commandLine, IDictionary environment)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        ArgumentNullException.ThrowIfNull(environment);
        return builder
            .AddInMemoryCollection(FromEnvironment(environment))
            .AddInMemoryCollection(commandLine.Settings);
    }

    /// <summary>The configuration keys set by <c>MIMMO_*</c> variables present (and not empty) in <paramref name="environment"/>.</summary>
    public static Dictionary<string, string?> FromEnvironment(IDictionary environment)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var setting in ServerSetting.All)
        {
            if (environment[setting.EnvironmentVariable] is string { Length: > 0 } value)
            {
                settings[setting.Key] = value;
            }
        }

        return settings;
    }
}
