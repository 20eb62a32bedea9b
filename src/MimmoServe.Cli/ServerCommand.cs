using System.CommandLine;
using MimmoServe.Client;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Cli;

/// <summary>Runs the body of a command that talks to a server: makes the client, reports a failed call on stderr with exit code 1.</summary>
internal static class ServerCommand
{
    public static void SetAction(Command command, CliContext context, Option<string> address, Func<ParseResult, MimmoClient, CancellationToken, Task<int>> body)
    {
        CommonOptions.AddSecurity(command, context);
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                using var client = CommonOptions.Client(parse, parse.GetValue(address)!);
                return await body(parse, client, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                await context.Error.WriteLineAsync($"error: {e.StatusCode}: {e.Status.Detail}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or IOException or InvalidDataException or System.Security.Cryptography.CryptographicException)
            {
                await context.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Unreachable;
            }
        });
    }

    public static DateTime Deadline(ParseResult parse, Option<double> timeout) => DateTime.UtcNow.AddSeconds(parse.GetValue(timeout));
}
