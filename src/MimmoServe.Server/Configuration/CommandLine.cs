using System.Text;

namespace MimmoServe.Server.Configuration;

/// <summary>
/// The server's command line: the options of <see cref="ServerSetting.All"/> as <c>--name value</c> or
/// <c>--name=value</c>, and <c>--help</c>. Anything else is an error naming it, so that a typo does not start a
/// server with defaults.
/// </summary>
internal sealed class CommandLine
{
    public const string HelpOption = "--help";

    private CommandLine(Dictionary<string, string?> settings, bool help, string? error)
    {
        Settings = settings;
        ShowHelp = help;
        Error = error;
    }

    /// <summary>Configuration key to value, for the options given.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    public bool ShowHelp { get; }

    /// <summary>What is wrong with the command line, or null.</summary>
    public string? Error { get; }

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var help = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is HelpOption or "-h" or "-?")
            {
                help = true;
                continue;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? arg[..equals] : arg;
            var setting = Array.Find(ServerSetting.All, s => s.Option.Equals(name, StringComparison.Ordinal));
            if (setting is null)
            {
                return Fail($"unknown option '{name}'.");
            }

            string value;
            if (equals > 0)
            {
                value = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }
            else
            {
                return Fail($"{setting.Option} needs a value ({setting.ValueName}).");
            }

            settings[setting.Key] = value;
        }

        return new CommandLine(settings, help, null);

        CommandLine Fail(string error) => new(settings, help, error);
    }

    /// <summary>The usage text that <c>--help</c> prints.</summary>
    public static string HelpText()
    {
        var text = new StringBuilder();
        text.AppendLine("MimmoServe: gRPC inference server for MIMO-family ONNX models (mimmo.v1.Inference).");
        text.AppendLine();
        text.AppendLine("Usage: MimmoServe.Server [options]");
        text.AppendLine();
        text.AppendLine("Options (each also from an environment variable and from appsettings.json; the command line wins, then");
        text.AppendLine("the environment, then appsettings.json):");
        foreach (var s in ServerSetting.All)
        {
            text.AppendLine($"  {s.Option + " " + s.ValueName,-22} {s.Description}");
            text.AppendLine($"  {string.Empty,-22} env {s.EnvironmentVariable}, config {s.Key}");
        }

        text.AppendLine($"  {HelpOption,-22} print this text and exit");
        text.AppendLine();
        text.AppendLine("Other settings (appsettings.json or Section__Key variables): Mimmo:IntraOpThreads,");
        text.AppendLine("Mimmo:InterOpThreads, Mimmo:MaxStreamInFlight, Grpc:CertificatePath and Grpc:CertificateKeyPath (TLS),");
        text.AppendLine("Grpc:MaxReceiveMessageSize, Logging:LogLevel:Default; the request limits (see the README's Security section):");
        text.AppendLine("Grpc:EnableRequestCompression (default true), Grpc:MaxRequestExpansionRatio (default 256),");
        text.AppendLine("Grpc:RequestMessageTimeout (default 00:00:15; unary request must arrive, else DEADLINE_EXCEEDED),");
        text.AppendLine("Grpc:StreamIdleTimeout (default 00:02:00; a request stream waiting longer for a message ends CANCELLED).");
        return text.ToString();
    }
}
