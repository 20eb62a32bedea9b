using System.CommandLine;
using Google.Protobuf;
using MimmoServe.Cli.Output;
using MimmoServe.Protocol.V1;

namespace MimmoServe.Cli.Commands;

/// <summary><c>mimmo models</c>: every model the server serves.</summary>
internal static class ModelsCommand
{
    public static Command Create(CliContext context)
    {
        var address = CommonOptions.Address(context);
        var timeout = CommonOptions.Timeout();
        var json = CommonOptions.Json();
        var command = new Command("models", "List the models the server serves.") { address, timeout, json };
        ServerCommand.SetAction(command, context, address, async (parse, client, token) =>
        {
            var models = await client.ListModelsAsync(ServerCommand.Deadline(parse, timeout), token).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                var reply = new ListModelsResponse();
                reply.Models.AddRange(models);
                await context.Output.WriteLineAsync(CommonOptions.JsonFormatter.Format(reply)).ConfigureAwait(false);
            }
            else
            {
                context.Console.Write(ModelView.List(models));
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
