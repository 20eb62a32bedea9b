using System.Collections;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimmoServe.Server.Configuration;

namespace MimmoServe.Server.Hosting;

/// <summary>Builds and runs the server process: command line, configuration, host, exit code.</summary>
public static class MimmoServerHost
{
    /// <summary>Exit code of a command line or configuration the server cannot start with.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code when nothing can be served (no model loaded, ONNX Runtime missing).</summary>
    public const int ServeError = 1;

    /// <summary>Runs the server until it is stopped (Ctrl+C, SIGTERM). Returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        output ??= Console.Out;
        error ??= Console.Error;
        var commandLine = CommandLine.Parse(args);
        if (commandLine.Error is not null)
        {
            await error.WriteLineAsync($"error: {commandLine.Error} Run with {CommandLine.HelpOption} for the options.").ConfigureAwait(false);
            return UsageError;
        }

        if (commandLine.ShowHelp)
        {
            await output.WriteAsync(CommandLine.HelpText()).ConfigureAwait(false);
            return 0;
        }

        WebApplication app;
        try
        {
            app = CreateBuilder(commandLine, Environment.GetEnvironmentVariables()).Build().UseMimmoServer();
            // Validate now, so that a bad setting is one clear line rather than a start-up stack trace.
            _ = app.Services.GetRequiredService<IOptions<MimmoServerOptions>>().Value;
        }
        catch (Exception e) when (e is OptionsValidationException or InvalidOperationException)
        {
            await error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return UsageError;
        }

        await using (app.ConfigureAwait(false))
        {
            var models = app.Services.GetRequiredService<ModelHost>();
            try
            {
                await app.RunAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or OptionsValidationException)
            {
                // Typically the port is taken, or a TLS certificate cannot be read.
                await error.WriteLineAsync("error: the server could not start: " + e.Message).ConfigureAwait(false);
                return ServeError;
            }

            return models.ExitCode;
        }
    }

    /// <summary>
    /// The host builder with the server added: content root at the application's folder (its appsettings.json),
    /// ASP.NET Core's sources, then <c>MIMMO_*</c> from <paramref name="environment"/>, then the command line.
    /// </summary>
    internal static WebApplicationBuilder CreateBuilder(CommandLine commandLine, IDictionary environment, string? contentRoot = null)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        if (commandLine.Error is not null)
        {
            throw new ArgumentException(commandLine.Error, nameof(commandLine));
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            // Not the raw arguments: ASP.NET Core would take any --key value as configuration; ours are checked above.
            Args = [],
            ContentRootPath = contentRoot ?? AppContext.BaseDirectory,
        });
        builder.Configuration.AddServerSources(commandLine, environment);
        return builder.AddMimmoServer();
    }

    private static WebApplication UseMimmoServer(this WebApplication app) => app.MapMimmoServer();
}
