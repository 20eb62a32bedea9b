using MimmoServe.Cli;

return await MimmoCli.RunAsync(args, CliContext.FromProcess()).ConfigureAwait(false);
