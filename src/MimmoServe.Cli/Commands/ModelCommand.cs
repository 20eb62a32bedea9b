using System.CommandLine;
using Google.Protobuf;
using MimmoServe.Cli.Output;

namespace MimmoServe.Cli.Commands;

/// <summary><c>mimmo model NAME</c>: one model's description.</summary>
internal static class ModelCommand
{
    public static Command Create(CliContext context)
    {
        var address = CommonOptions.Address(context);
        var timeout = CommonOptions.Timeout();
        var json = CommonOptions.Json();
        var name = new Argument<string>("name") { Description = "The model's name; omitted: the server's default model.", DefaultValueFactory = _ => string.Empty };
        var command = new Command("model", "Describe one model.") { name, address, timeout, json };
        ServerCommand.SetAction(command, context, address, async (parse, client, token) =>
        {
            var model = await client.GetModelAsync(parse.GetValue(name)!, ServerCommand.Deadline(parse, timeout), token).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(CommonOptions.JsonFormatter.Format(model)).ConfigureAwait(false);
            }
            else
            {
                context.Console.Write(ModelView.Detail(model));
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
