using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using MimmoServe.Client;
using MimmoServe.Grpc.Client;

namespace MimmoServe.Cli;

/// <summary>Options shared by the commands that talk to a server.</summary>
internal static class CommonOptions
{
    private const string TokenOption = "--token";
    private const string CaOption = "--ca";
    private const string CertOption = "--cert";
    private const string KeyOption = "--key";

    /// <summary>Indented protobuf JSON (camelCase field names, as every protobuf JSON mapping).</summary>
    public static readonly Google.Protobuf.JsonFormatter JsonFormatter = new(Google.Protobuf.JsonFormatter.Settings.Default.WithIndentation());

    /// <summary>
    /// <see cref="JsonFormatter"/> that also writes fields at their default value: a prediction answered at exit 0 shows
    /// <c>"exit": 0</c> rather than no <c>exit</c> at all.
    /// </summary>
    public static readonly Google.Protobuf.JsonFormatter ResponseJsonFormatter = new(Google.Protobuf.JsonFormatter.Settings.Default.WithIndentation().WithFormatDefaultValues(true));

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

    /// <summary>Adds --token, --ca, --cert and --key to a command that talks to a server.</summary>
    public static void AddSecurity(Command command, CliContext context)
    {
        command.Options.Add(new Option<string?>(TokenOption)
        {
            Description = $"Bearer token for a server started with --auth-tokens-file. Default ${MimmoClientDefaults.TokenVariable}.",
            DefaultValueFactory = _ => context.Environment(MimmoClientDefaults.TokenVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null,
        });
        command.Options.Add(new Option<string?>(CaOption) { Description = "TLS: PEM file of the CA that signed the server's certificate (trusted instead of the system store); host:port addresses become https://." });
        command.Options.Add(new Option<string?>(CertOption) { Description = "mTLS: PEM client certificate (with --key)." });
        command.Options.Add(new Option<string?>(KeyOption) { Description = "mTLS: PEM private key of --cert." });
    }

    /// <summary>
    /// A client of the addresses in <paramref name="address"/> with the command's token and TLS files (see
    /// <see cref="AddSecurity"/>); <paramref name="retries"/> 0 reports the first failure as is.
    /// </summary>
    public static MimmoClient Client(ParseResult parse, string address, int retries = 2)
    {
        var ca = parse.GetValue<string?>(CaOption);
        var certificate = parse.GetValue<string?>(CertOption);
        var key = parse.GetValue<string?>(KeyOption);
        if (certificate is null != key is null)
        {
            throw new ArgumentException("--cert and --key go together.");
        }

        var tls = ca is not null || certificate is not null;
        var channel = new GrpcChannelOptions();
        if (ca is not null)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(ca);
            channel.TrustedRootCertificates = roots;
        }

        if (certificate is not null)
        {
            channel.ClientCertificate = X509Certificate2.CreateFromPemFile(certificate, key);
        }

        return new MimmoClient(new MimmoClientOptions
        {
            Addresses = [.. address.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(a => tls && !a.Contains("://", StringComparison.Ordinal) ? "https://" + a : a)],
            MaxRetryAttempts = retries,
            BearerToken = parse.GetValue<string?>(TokenOption),
            Channel = channel,
        });
    }
}
