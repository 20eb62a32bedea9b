using System.CommandLine;
using MimmoServe.Client;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Cli.Commands;

/// <summary>
/// <c>mimmo health</c>: the grpc.health.v1 check, for scripts and container probes. Exit 0 SERVING, 1 anything else
/// (NOT_SERVING, an unknown service), 2 unreachable (no connection, or no answer before the deadline).
/// </summary>
internal static class HealthCommand
{
    public static Command Create(CliContext context)
    {
        var address = CommonOptions.Address(context);
        var timeout = new Option<double>("--timeout") { Description = "Deadline of the check in seconds. Default 5.", DefaultValueFactory = _ => 5 };
        var service = new Option<string>("--service")
        {
            Description = "The service to check: \"\" the server, or a model NAME (mimmo.v1.Inference/NAME). Default \"\".",
            DefaultValueFactory = _ => string.Empty,
        };
        var command = new Command("health", "Check the server's health: exit 0 serving, 1 not serving, 2 unreachable.") { address, timeout, service };
        CommonOptions.AddSecurity(command, context);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var name = parse.GetValue(service)!;
            if (name.Length > 0 && !name.Contains('/', StringComparison.Ordinal) && !name.Contains('.', StringComparison.Ordinal))
            {
                name = "mimmo.v1.Inference/" + name;
            }

            try
            {
                using var client = CommonOptions.Client(parse, parse.GetValue(address)!, retries: 0);
                var status = await client.CheckHealthAsync(name, ServerCommand.Deadline(parse, timeout), cancellationToken).ConfigureAwait(false);
                await context.Output.WriteLineAsync($"{Describe(client)}{Label(name)}: {Upper(status)}").ConfigureAwait(false);
                return status == HealthCheckResponse.Types.ServingStatus.Serving ? ExitCodes.Ok : ExitCodes.Failed;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                await context.Output.WriteLineAsync($"{parse.GetValue(address)}{Label(name)}: UNREACHABLE ({e.StatusCode}: {e.Status.Detail})").ConfigureAwait(false);
                return ExitCodes.Unreachable;
            }
            catch (RpcException e)
            {
                await context.Output.WriteLineAsync($"{parse.GetValue(address)}{Label(name)}: {e.StatusCode}: {e.Status.Detail}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }
            catch (Exception e) when (e is ArgumentException or IOException or System.Security.Cryptography.CryptographicException)
            {
                await context.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Unreachable;
            }
        });
        return command;
    }

    private static string Describe(MimmoClient client) => string.Join(",", client.Addresses.Select(a => a.Authority));

    private static string Label(string service) => service.Length == 0 ? string.Empty : $" {service}";

    private static string Upper(HealthCheckResponse.Types.ServingStatus status) => status switch
    {
        HealthCheckResponse.Types.ServingStatus.Serving => "SERVING",
        HealthCheckResponse.Types.ServingStatus.NotServing => "NOT_SERVING",
        HealthCheckResponse.Types.ServingStatus.ServiceUnknown => "SERVICE_UNKNOWN",
        _ => "UNKNOWN",
    };
}
