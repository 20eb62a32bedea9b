using System.Net;
using Microsoft.Extensions.Options;

namespace MimmoServe.Server.Configuration;

/// <summary>Checks <see cref="MimmoServerOptions"/> at start-up, so that a bad setting stops the host with a message naming it.</summary>
internal sealed class MimmoServerOptionsValidator : IValidateOptions<MimmoServerOptions>
{
    public ValidateOptionsResult Validate(string? name, MimmoServerOptions options)
    {
        var failures = new List<string>();
        if (options.Port is < 0 or > 65535)
        {
            failures.Add($"Mimmo:Port (--port, MIMMO_PORT) must be 0-65535, got {options.Port}.");
        }

        if (options.AdminPort is < 0 or > 65535)
        {
            failures.Add($"Mimmo:AdminPort (--admin-port, MIMMO_ADMIN_PORT) must be 0-65535, got {options.AdminPort}.");
        }
        else if (options.AdminPort != 0 && options.AdminPort == options.Port)
        {
            failures.Add($"Mimmo:AdminPort (--admin-port, MIMMO_ADMIN_PORT) must differ from the gRPC port, both are {options.Port}.");
        }

        if (!IPAddress.TryParse(options.ListenAddress, out _))
        {
            failures.Add($"Mimmo:ListenAddress (--listen-address, MIMMO_LISTEN_ADDRESS) must be an IP address, got '{options.ListenAddress}'.");
        }

        if (!IPAddress.TryParse(options.AdminAddress, out _))
        {
            failures.Add($"Mimmo:AdminAddress (--admin-address, MIMMO_ADMIN_ADDRESS) must be an IP address, got '{options.AdminAddress}'.");
        }

        if (string.IsNullOrWhiteSpace(options.Models))
        {
            failures.Add("Mimmo:Models (--models, MIMMO_MODELS) must name the model folder.");
        }
        else if (ModelsDirectory.Resolve(options.Models) is null)
        {
            failures.Add($"Mimmo:Models (--models, MIMMO_MODELS): the model folder '{options.Models}' does not exist; tried {string.Join(", ", ModelsDirectory.Candidates(options.Models))}.");
        }

        if (options.DefaultModel is not null && string.IsNullOrWhiteSpace(options.DefaultModel))
        {
            failures.Add("Mimmo:DefaultModel (--default-model, MIMMO_DEFAULT_MODEL) must be a model name when set.");
        }

        if (options.Provider is not null && !ProviderNames.IsValid(options.Provider))
        {
            failures.Add($"Mimmo:Provider (--provider, MIMMO_PROVIDER) must be one of {string.Join(", ", ProviderNames.All)}, got '{options.Provider}'.");
        }

        if (options.IntraOpThreads is < 0)
        {
            failures.Add($"Mimmo:IntraOpThreads must be >= 0 (0 = automatic: processors / concurrent runs), got {options.IntraOpThreads}.");
        }

        if (options.InterOpThreads is < 0)
        {
            failures.Add($"Mimmo:InterOpThreads must be >= 0 (0 = ONNX Runtime's choice), got {options.InterOpThreads}.");
        }

        if (options.MaxStreamInFlight < 1)
        {
            failures.Add($"Mimmo:MaxStreamInFlight must be >= 1, got {options.MaxStreamInFlight}.");
        }

        if (options.ShutdownGraceSeconds is < 0 or > MimmoServerOptions.MaxShutdownGraceSeconds)
        {
            failures.Add($"Mimmo:ShutdownGraceSeconds (--shutdown-grace, MIMMO_SHUTDOWN_GRACE_SECONDS) must be 0-{MimmoServerOptions.MaxShutdownGraceSeconds}, got {options.ShutdownGraceSeconds}.");
        }

        if (!(options.WarmupSeconds >= 0 && options.WarmupSeconds <= MimmoServerOptions.MaxWarmupSeconds))
        {
            failures.Add($"Mimmo:WarmupSeconds (--warmup-seconds, MIMMO_WARMUP_SECONDS) must be 0-{MimmoServerOptions.MaxWarmupSeconds}, got {options.WarmupSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        }

        SecuritySettings.Validate(options, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
