using System.Collections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MimmoServe.Onnx;
using MimmoServe.Server.Configuration;
using MimmoServe.Server.Hosting;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Configuration;

/// <summary>The host's configuration: command line over MIMMO_* variables over appsettings.json, validated at start-up.</summary>
public sealed class ConfigurationTests : IDisposable
{
    private readonly string _contentRoot = Path.Combine(Path.GetTempPath(), "mimmo-config-" + Guid.NewGuid().ToString("N"));
    private readonly TestModels _models = new();

    public ConfigurationTests()
    {
        Directory.CreateDirectory(_contentRoot);
        Directory.CreateDirectory(Path.Combine(_contentRoot, "from-settings"));
        Directory.CreateDirectory(Path.Combine(_contentRoot, "from-env"));
        Directory.CreateDirectory(Path.Combine(_contentRoot, "from-args"));
        File.WriteAllText(Path.Combine(_contentRoot, "appsettings.json"), $$"""
            { "Mimmo": { "Port": 1111, "Models": "{{Escape(Path.Combine(_contentRoot, "from-settings"))}}", "Provider": "cuda", "DefaultModel": "settings-model", "IntraOpThreads": 3 },
              "Onnx": { "Library": "/from/settings/libonnxruntime.so" } }
            """);
    }

    public static TheoryData<string[], string[], int, string, string> Layers => new()
    {
        // args, environment (name=value), expected port, models folder, provider
        { [], [], 1111, "from-settings", "cuda" },
        { [], ["MIMMO_PORT=2222", "MIMMO_MODELS=from-env", "MIMMO_PROVIDER=tensorrt"], 2222, "from-env", "tensorrt" },
        { ["--port", "3333", "--models", "from-args", "--provider", "cpu"], ["MIMMO_PORT=2222", "MIMMO_MODELS=from-env", "MIMMO_PROVIDER=tensorrt"], 3333, "from-args", "cpu" },
        { ["--port=3333"], ["MIMMO_PORT=2222", "MIMMO_MODELS=from-env"], 3333, "from-env", "cuda" },
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void CreateBuilder_SettingsEnvironmentCommandLine_CommandLineWinsThenEnvironment(string[] args, string[] environment, int port, string models, string provider)
    {
        var options = Build(args.Select(Expand).ToArray(), environment.Select(Expand).ToArray());

        Assert.Equal(port, options.Port);
        Assert.Equal(Path.Combine(_contentRoot, models), options.Models);
        Assert.Equal(provider, options.Provider);
        Assert.Equal(3, options.IntraOpThreads);
    }

    [Fact]
    public void CreateBuilder_DefaultModelAndOrtLibrary_CommandLineOverEnvironmentOverSettings()
    {
        using var app = MimmoServerHost.CreateBuilder(
            CommandLine.Parse(["--default-model", "args-model"]),
            Environment(["MIMMO_DEFAULT_MODEL=env-model", "MIMMO_ORT_LIBRARY=/from/env/libonnxruntime.so"]),
            _contentRoot).Build();

        Assert.Equal("args-model", app.Services.GetRequiredService<IOptions<MimmoServerOptions>>().Value.DefaultModel);
        Assert.Equal("/from/env/libonnxruntime.so", app.Services.GetRequiredService<IOptions<OnnxRuntimeOptions>>().Value.Library);
    }

    [Fact]
    public void CreateBuilder_ShutdownGrace_FromCommandLineOverEnvironmentAndHostShutdownTimeoutCoversIt()
    {
        using var app = MimmoServerHost.CreateBuilder(
            CommandLine.Parse(["--shutdown-grace", "40"]), Environment(["MIMMO_SHUTDOWN_GRACE_SECONDS=7"]), _contentRoot).Build();
        using var defaults = MimmoServerHost.CreateBuilder(CommandLine.Parse([]), Environment([]), _contentRoot).Build();

        Assert.Equal(40, app.Services.GetRequiredService<IOptions<MimmoServerOptions>>().Value.ShutdownGraceSeconds);
        Assert.Equal(TimeSpan.FromSeconds(45), app.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
        Assert.Equal(25, defaults.Services.GetRequiredService<IOptions<MimmoServerOptions>>().Value.ShutdownGraceSeconds);
        Assert.Equal(TimeSpan.FromSeconds(30), defaults.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    [Theory]
    [InlineData("MIMMO_PROVIDER=gpu", "Mimmo:Provider (--provider, MIMMO_PROVIDER) must be one of cpu, cuda, tensorrt, got 'gpu'")]
    [InlineData("MIMMO_PORT=70000", "Mimmo:Port (--port, MIMMO_PORT) must be 0-65535, got 70000")]
    [InlineData("MIMMO_MODELS=no-such-folder", "the model folder 'no-such-folder' does not exist; tried")]
    [InlineData("MIMMO_SHUTDOWN_GRACE_SECONDS=-1", "Mimmo:ShutdownGraceSeconds (--shutdown-grace, MIMMO_SHUTDOWN_GRACE_SECONDS) must be 0-3600, got -1")]
    [InlineData("MIMMO_ADMIN_ADDRESS=localhost", "Mimmo:AdminAddress (--admin-address, MIMMO_ADMIN_ADDRESS) must be an IP address, got 'localhost'")]
    [InlineData("MIMMO_LISTEN_ADDRESS=any", "Mimmo:ListenAddress (--listen-address, MIMMO_LISTEN_ADDRESS) must be an IP address, got 'any'")]
    public void Options_BadSetting_ValidationNamesItAndItsSources(string variable, string expected)
    {
        var error = Assert.Throws<OptionsValidationException>(() =>
        {
            using var app = MimmoServerHost.CreateBuilder(CommandLine.Parse([]), Environment([variable]), _contentRoot).Build();
            return app.Services.GetRequiredService<IOptions<MimmoServerOptions>>().Value;
        });

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateBuilder_Addresses_AdminOnLoopbackByDefaultAndEachSetApart()
    {
        var defaults = Build([], []);
        var fromEnvironment = Build([], ["MIMMO_ADMIN_ADDRESS=0.0.0.0", "MIMMO_LISTEN_ADDRESS=10.1.2.3"]);
        var fromCommandLine = Build(["--admin-address", "::1", "--listen-address=127.0.0.1"], ["MIMMO_ADMIN_ADDRESS=0.0.0.0"]);

        Assert.Equal(("0.0.0.0", "127.0.0.1"), (defaults.ListenAddress, defaults.AdminAddress));
        Assert.Equal(("10.1.2.3", "0.0.0.0"), (fromEnvironment.ListenAddress, fromEnvironment.AdminAddress));
        Assert.Equal(("127.0.0.1", "::1"), (fromCommandLine.ListenAddress, fromCommandLine.AdminAddress));
    }

    [Theory]
    [InlineData(new[] { "--bogus" }, "unknown option '--bogus'.")]
    [InlineData(new[] { "--port" }, "--port needs a value (N).")]
    [InlineData(new[] { "--models", "--port", "1" }, "--models needs a value (DIR).")]
    public void Parse_BadCommandLine_ErrorNamesTheOption(string[] args, string expected)
    {
        Assert.Equal(expected, CommandLine.Parse(args).Error);
    }

    [Fact]
    public void Parse_Help_ShowsEveryOptionWithItsVariable()
    {
        var commandLine = CommandLine.Parse(["--help"]);
        var help = CommandLine.HelpText();

        Assert.True(commandLine.ShowHelp);
        (string Option, string Variable)[] options =
        [
            ("--port", "MIMMO_PORT"),
            ("--models", "MIMMO_MODELS"),
            ("--provider", "MIMMO_PROVIDER"),
            ("--default-model", "MIMMO_DEFAULT_MODEL"),
            ("--ort-library", "MIMMO_ORT_LIBRARY"),
            ("--tls-cert", "MIMMO_TLS_CERT"),
            ("--tls-key", "MIMMO_TLS_KEY"),
            ("--tls-client-ca", "MIMMO_TLS_CLIENT_CA"),
            ("--auth-tokens-file", "MIMMO_AUTH_TOKENS_FILE"),
            ("--admin-address", "MIMMO_ADMIN_ADDRESS"),
            ("--listen-address", "MIMMO_LISTEN_ADDRESS"),
        ];
        foreach (var (option, variable) in options)
        {
            Assert.Contains(option, help, StringComparison.Ordinal);
            Assert.Contains(variable, help, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ModelsDirectory_RelativeFolderMissingInCurrentDirectory_FoundInRepositoryRoot()
    {
        var repository = ModelsDirectory.FindRepositoryRoot(AppContext.BaseDirectory)!;

        var resolved = ModelsDirectory.Resolve("tests", currentDirectory: _contentRoot, applicationDirectory: AppContext.BaseDirectory);

        Assert.Equal(Path.Combine(repository, "tests"), resolved);
        Assert.Equal(Path.Combine(_contentRoot, "from-env"), ModelsDirectory.Resolve("from-env", _contentRoot, AppContext.BaseDirectory));
    }

    public void Dispose()
    {
        Directory.Delete(_contentRoot, recursive: true);
        _models.Dispose();
    }

    private MimmoServerOptions Build(string[] args, string[] environment)
    {
        using var app = MimmoServerHost.CreateBuilder(CommandLine.Parse(args), Environment(environment), _contentRoot).Build();
        return app.Services.GetRequiredService<IOptions<MimmoServerOptions>>().Value;
    }

    private static Hashtable Environment(string[] variables)
    {
        var environment = new Hashtable();
        foreach (var variable in variables)
        {
            var equals = variable.IndexOf('=', StringComparison.Ordinal);
            environment[variable[..equals]] = variable[(equals + 1)..];
        }

        return environment;
    }

    /// <summary>Makes the folders of the theory data absolute, under this test's content root.</summary>
    private string Expand(string value) =>
        value.StartsWith("from-", StringComparison.Ordinal) ? Path.Combine(_contentRoot, value)
        : value.Replace("=from-", "=" + _contentRoot + "/from-", StringComparison.Ordinal);

    private static string Escape(string path) => path.Replace("\\", "\\\\", StringComparison.Ordinal);
}
