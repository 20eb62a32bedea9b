using MimmoServe.Serving.Bench;

return await ServingBenchmark.RunAsync(args).ConfigureAwait(false);
