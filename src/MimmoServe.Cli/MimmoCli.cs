using System.CommandLine;
using MimmoServe.Cli.Commands;

namespace MimmoServe.Cli;

/// <summary>The <c>mimmo</c> command line: every command, parsed and run with one context.</summary>
internal static class MimmoCli
{
    public static RootCommand Build(CliContext context) => new("mimmo: talk to a MimmoServe server, inspect models, measure the server.")
    {
        ModelsCommand.Create(context),
        ModelCommand.Create(context),
        PredictCommand.Create(context),
        InspectCommand.Create(context),
        HealthCommand.Create(context),
        BenchCommand.Create(context),
    };

    public static Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default) =>
        Build(context).Parse(args).InvokeAsync(new InvocationConfiguration { Output = context.Output, Error = context.Error }, cancellationToken);
}
