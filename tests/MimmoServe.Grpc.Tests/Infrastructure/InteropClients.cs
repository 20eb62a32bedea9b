namespace MimmoServe.Grpc.Tests.Infrastructure;

/// <summary>
/// The foreign interop clients of tests/interop: Python grpcio (Debian's /usr/bin/python3) and grpc-js.
/// A client that cannot run makes its tests fail with the reason, never skip.
/// </summary>
internal static class InteropClients
{
    public const string Python = "python";
    public const string Node = "node";

    /// <summary>The cases of tests/interop/README.md; <see cref="ListAsync"/> must name the same ones.</summary>
    public static readonly string[] Cases =
    [
        "unary", "empty_message", "metadata", "server_stream", "client_stream", "bidi_1000", "deadline", "cancel",
        "error_unicode", "unknown_method", "health_check", "health_watch", "oversize_request", "gzip_request",
        "gzip_response", "reflection_v1", "reflection_v1alpha", "tls_unary",
    ];

    // The clients have a 28 s watchdog of their own; this only catches a client that hangs anyway.
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(40);

    private static readonly Lazy<Task<string?>> NodeModulesProblem = new(InstallNodeModulesAsync);

    public static Task<ProcessRunner.Result> RunAsync(string client, IEnumerable<string> arguments) =>
        RunScriptAsync(client, "interop_client", arguments);

    /// <summary>Runs tests/interop/python/<paramref name="script"/>.py or tests/interop/node/<paramref name="script"/>.js.</summary>
    public static async Task<ProcessRunner.Result> RunScriptAsync(string client, string script, IEnumerable<string> arguments)
    {
        var program = client switch
        {
            Python => "/usr/bin/python3",
            Node => "node",
            _ => throw new ArgumentOutOfRangeException(nameof(client), client, null),
        };
        var scriptPath = Path.Combine(RepoPaths.InteropDir, client, script + (client == Python ? ".py" : ".js"));
        if (client == Node && await NodeModulesProblem.Value is { } problem)
        {
            Assert.Fail(problem);
        }

        return await ProcessRunner.RunAsync(program, arguments.Prepend(scriptPath), RepoPaths.InteropDir, RunLimit);
    }

    public static async Task<string[]> ListAsync(string client)
    {
        var result = await RunAsync(client, ["--list"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Runs one case and fails the test with the client's own reason unless it printed PASS.</summary>
    public static async Task AssertPassesAsync(string client, string testCase, string target, string? caPath = null)
    {
        var arguments = new List<string> { "--target", target, "--case", testCase };
        if (caPath is not null)
        {
            arguments.AddRange(["--tls-ca", caPath, "--tls-server-name", "localhost"]);
        }

        var result = await RunAsync(client, arguments);
        Assert.True(result.ExitCode == 0 && result.StandardOutput.Trim() == "PASS " + testCase, $"{client} {testCase}: {result}");
    }

    /// <summary>npm ci in tests/interop/node when node_modules is missing (CI also runs it); null when ready, else why not.</summary>
    private static async Task<string?> InstallNodeModulesAsync()
    {
        var nodeDir = Path.Combine(RepoPaths.InteropDir, "node");
        if (File.Exists(Path.Combine(nodeDir, "node_modules", "@grpc", "grpc-js", "package.json")))
        {
            return null;
        }

        try
        {
            var result = await ProcessRunner.RunAsync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], nodeDir, TimeSpan.FromMinutes(3));
            return result.ExitCode == 0 ? null : "npm ci in tests/interop/node failed: " + result;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return "npm is needed for the grpc-js interop tests and could not run: " + ex.Message;
        }
    }
}
