using System.CommandLine;
using MimmoServe.Client;

namespace MimmoServe.Cli;

/// <summary>Options shared by the commands that talk to a server.</summary>
internal static class CommonOptions
{
    /// <summary>Indented protobuf JSON (camelCase field names, as every protobuf JSON mapping).</summary>
    public static readonly Google.Protobuf.JsonFormatter JsonFormatter = new(Google.Protobuf.JsonFormatter.Settings.Default.WithIndentation());

    public static Option<string> Address(CliContext context) => new("--address", "-a")
    {
        Description = $"Server address host:port or http(s)://host:port; several separated by commas are called round-robin. Default ${MimmoClientDefaults.AddressVariable} or {MimmoClientDefaults.Address}.",
        DefaultValueFactory = _ => context.Environment(MimmoClientDefaults.AddressVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : MimmoClientDefaults.Address,
    };

    public static Option<double> Timeout() => new("--timeout")
    {
        Description = "Deadline of each call in seconds. Default 10.",
        DefaultValueFactory = _ => 10,
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print JSON instead of tables.",
    };

    /// <summary>A client of the addresses in <paramref name="address"/>; <paramref name="retries"/> 0 reports the first failure as is.</summary>
    public static MimmoClient Client(string address, int retries = 2) => new(new MimmoClientOptions
    {
        Addresses = [.. address.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
        MaxRetryAttempts = retries,
    });
}
