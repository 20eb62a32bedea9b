using System.Net;
using Microsoft.Extensions.Options;

namespace MimmoServe.Grpc.Hosting;

/// <summary>Checks <see cref="GrpcServerOptions"/> at start-up, so that a bad configuration fails the host instead of a call.</summary>
internal sealed class GrpcServerOptionsValidator : IValidateOptions<GrpcServerOptions>
{
    public ValidateOptionsResult Validate(string? name, GrpcServerOptions options)
    {
        var failures = new List<string>();
        if (options.Port is < 0 or > 65535)
        {
            failures.Add($"Grpc:Port must be 0-65535, got {options.Port}.");
        }

        if (!IPAddress.TryParse(options.ListenAddress, out _))
        {
            failures.Add($"Grpc:ListenAddress must be an IP address, got '{options.ListenAddress}'.");
        }

        if (options.MaxReceiveMessageSize <= 0)
        {
            failures.Add($"Grpc:MaxReceiveMessageSize must be positive, got {options.MaxReceiveMessageSize}.");
        }

        if (options.MaxSendMessageSize <= 0)
        {
            failures.Add($"Grpc:MaxSendMessageSize must be positive, got {options.MaxSendMessageSize}.");
        }

        if (options.MaxStreamsPerConnection <= 0)
        {
            failures.Add($"Grpc:MaxStreamsPerConnection must be positive, got {options.MaxStreamsPerConnection}.");
        }

        if (options.CertificatePath is not null && !File.Exists(options.CertificatePath))
        {
            failures.Add($"Grpc:CertificatePath '{options.CertificatePath}' does not exist.");
        }

        if (options.CertificateKeyPath is not null && options.CertificatePath is null)
        {
            failures.Add("Grpc:CertificateKeyPath is set without Grpc:CertificatePath.");
        }

        if (options.CertificateKeyPath is not null && !File.Exists(options.CertificateKeyPath))
        {
            failures.Add($"Grpc:CertificateKeyPath '{options.CertificateKeyPath}' does not exist.");
        }

        if (options.ClientCertificateAuthorityPath is not null && options.CertificatePath is null)
        {
            failures.Add("Grpc:ClientCertificateAuthorityPath (client certificates) needs TLS: set Grpc:CertificatePath too.");
        }

        if (options.ClientCertificateAuthorityPath is not null && !File.Exists(options.ClientCertificateAuthorityPath))
        {
            failures.Add($"Grpc:ClientCertificateAuthorityPath '{options.ClientCertificateAuthorityPath}' does not exist.");
        }

        if (options.MaxRequestBytesInFlight < options.MaxReceiveMessageSize)
        {
            failures.Add($"Grpc:MaxRequestBytesInFlight must be at least Grpc:MaxReceiveMessageSize ({options.MaxReceiveMessageSize}), "
                + $"got {options.MaxRequestBytesInFlight}.");
        }

        if (options.MaxConcurrentConnections is <= 0)
        {
            failures.Add($"Grpc:MaxConcurrentConnections must be positive (or unset for no limit), got {options.MaxConcurrentConnections}.");
        }

        if (options.MaxRequestExpansionRatio < 1)
        {
            failures.Add($"Grpc:MaxRequestExpansionRatio must be at least 1, got {options.MaxRequestExpansionRatio}.");
        }

        CheckTimeout(options.RequestMessageTimeout, "Grpc:RequestMessageTimeout", failures);
        CheckTimeout(options.StreamIdleTimeout, "Grpc:StreamIdleTimeout", failures);

        if (options.MaxHeaderListSize < 1024)
        {
            failures.Add($"Grpc:MaxHeaderListSize must be at least 1024 bytes, got {options.MaxHeaderListSize}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // A timer longer than about 49 days is not supported by the runtime; infinite means none.
    private static void CheckTimeout(TimeSpan value, string name, List<string> failures)
    {
        if (value != Timeout.InfiniteTimeSpan && (value <= TimeSpan.Zero || value.TotalMilliseconds > uint.MaxValue - 1))
        {
            failures.Add($"{name} must be positive (at most 49 days) or infinite (-00:00:00.001), got {value}.");
        }
    }
}
