using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MimmoServe.Cli.Bench;
using MimmoServe.Cli.Input;
using MimmoServe.Client;
using MimmoServe.Protocol.V1;
using Spectre.Console;

namespace MimmoServe.Cli.Commands;

/// <summary>
/// <c>mimmo bench</c>: a load generator. Closed loop at a concurrency, or open loop with Poisson arrivals at a rate;
/// for a duration; a mix of modes; an exit policy; one random item or many items in turn (<c>--images</c>); live
/// progress; then throughput, latency percentiles and errors by status code, the served accuracy when the items'
/// labels are known, and for a staged (early-exit) model the answers per exit and the mean compute share; optionally
/// the same as JSON. Calls are not retried, so every failure shows.
/// </summary>
internal static class BenchCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create(CliContext context)
    {
        var address = CommonOptions.Address(context);
        var model = new Option<string>("--model", "-m") { Description = "The model; default the server's default model.", DefaultValueFactory = _ => string.Empty };
        var concurrency = new Option<int>("--concurrency", "-c") { Description = "Closed loop: requests in flight. Default 8.", DefaultValueFactory = _ => 8 };
        var rate = new Option<double?>("--rate", "-r") { Description = "Open loop: Poisson arrivals per second (replaces --concurrency)." };
        var duration = new Option<double>("--duration", "-d") { Description = "Seconds of load. Default 10.", DefaultValueFactory = _ => 10 };
        var modes = new Option<string>("--modes") { Description = "Mode mix, e.g. accuracy:1,throughput:3. Default the model's default mode only.", DefaultValueFactory = _ => string.Empty };
        var maxInFlight = new Option<int>("--max-in-flight") { Description = "Open loop: arrivals past this many outstanding are counted as CLIENT_MAX_IN_FLIGHT errors. Default 1000.", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the random input, arrivals and mode picks. Default 1.", DefaultValueFactory = _ => 1 };
        var exit = new Option<string?>("--exit") { Description = "Exit policy of a staged (early-exit) model on every call: auto, full or a confidence threshold in (0, 1]. Default the model's default." };
        var images = new Option<string?>("--images") { Description = "Send these items in turn instead of one random item: a gzipped IDX image file (labels from the labels-idx1 file beside it), an .npy array [N, *item], or raw float32 [N, *item] (labels from a manifest.json beside it, as models/reference/). With labels, the served accuracy is reported." };
        var itemsPerCall = new Option<int>("--items-per-call", "-n")
        {
            Description = "Items per call: more than 1 sends batched Predict calls ([N, *item]), each item packed on its own. Default 1.",
            DefaultValueFactory = _ => 1,
        };
        var warmup = new Option<double>("--warmup")
        {
            Description = "Seconds of the same load first, not recorded: the figures, and the client CPU, count from its end. Default 0.",
            DefaultValueFactory = _ => 0,
        };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the results to this JSON file." };
        var command = new Command("bench", "Load the server and report throughput, latency percentiles, errors, accuracy and exits.")
        {
            address, model, concurrency, rate, duration, warmup, modes, exit, images, itemsPerCall, maxInFlight, seed, json,
        };
        ServerCommand.SetAction(command, context, address, async (parse, _, token) =>
        {
            var mix = parse.GetValue(modes) is { Length: > 0 } text ? ModeMix.Parse(text) : ModeMix.Parse("default:1");
            var policy = parse.GetValue(exit) is { } exitText ? ExitPolicy.Parse(exitText) : default;
            var settings = new BenchSettings(
                parse.GetValue(model)!, parse.GetValue(concurrency), parse.GetValue(rate), TimeSpan.FromSeconds(parse.GetValue(duration)), mix,
                parse.GetValue(maxInFlight), parse.GetValue(seed), policy, parse.GetValue(images), parse.GetValue(itemsPerCall), TimeSpan.FromSeconds(parse.GetValue(warmup)));
            Validate(settings);
            using var client = CommonOptions.Client(parse, parse.GetValue(address)!, retries: 0);
            var info = await client.GetModelAsync(settings.Model, cancellationToken: token).ConfigureAwait(false);
            var items = settings.Images is { } path ? ItemSet.Load(path, info.ItemShape, info.Labels) : new ItemSet([RandomItem(info, settings.Seed)], null);
            if (info.Output == RegressionOutput && items.Labels is not null)
            {
                // Labels are classes; a regression model answers values, so there is no accuracy to score (not a wrong one).
                context.Console.WriteLine($"the items' labels are not scored: '{info.Name}' is a regression model, its answers are values, not classes");
                items = items with { Labels = null };
            }
            if (info.MaxItemsPerRequest > 0 && settings.ItemsPerCall > info.MaxItemsPerRequest)
            {
                throw new ArgumentException(
                    $"--items-per-call {settings.ItemsPerCall}: model '{info.Name}' takes at most {info.MaxItemsPerRequest} items per request.");
            }

            var recorder = new BenchRecorder(mix.Names.Count());
            var (requests, labels) = Requests(info, items, settings.ItemsPerCall);
            if (settings.Warmup > TimeSpan.Zero)
            {
                // The same load, recorded nowhere: the client's JIT and pools, and the server, reach their steady state.
                context.Console.WriteLine($"warming up for {settings.Warmup.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
                await new LoadGenerator(client, settings with { Duration = settings.Warmup }, requests, labels, new BenchRecorder(mix.Names.Count())).RunAsync(token).ConfigureAwait(false);
            }

            // Marks the measured window on the output (the bench suite reads the server's CPU at these two lines).
            context.Console.WriteLine($"measuring for {settings.Duration.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
            var cpu = Environment.CpuUsage.TotalTime;
            var generator = new LoadGenerator(client, settings, requests, labels, recorder);
            var elapsed = await WithProgressAsync(context, settings, recorder, generator.RunAsync(token)).ConfigureAwait(false);
            cpu = Environment.CpuUsage.TotalTime - cpu;
            context.Console.WriteLine("measured");
            var result = Summarize(string.Join(",", client.Addresses.Select(a => a.Authority)), info, settings, items.Items.Length, elapsed, cpu, recorder);
            BenchView.Write(context.Console, result);
            if (parse.GetValue(json) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, JsonSerializer.Serialize(result, Json), token).ConfigureAwait(false);
                context.Console.WriteLine($"wrote {file.FullName}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Validate(BenchSettings s)
    {
        if (s.Concurrency < 1 || s.Duration <= TimeSpan.Zero || s.Rate is <= 0 || s.MaxInFlight < 1 || s.ItemsPerCall < 1)
        {
            throw new ArgumentException("--concurrency, --duration, --rate, --items-per-call and --max-in-flight must be positive.");
        }

        if (!(s.Warmup >= TimeSpan.Zero))
        {
            throw new ArgumentException("--warmup must be 0 or more seconds.");
        }
    }

    private static float[] RandomItem(ModelInfo info, int seed)
    {
        var random = new Random(seed);
        var item = new float[info.ItemShape.Aggregate(1L, (a, b) => a * b)];
        for (var i = 0; i < item.Length; i++)
        {
            item[i] = random.NextSingle();
        }

        return item;
    }

    /// <summary>
    /// The requests the generator cycles over, built once: one per item, or with <paramref name="perCall"/> above 1 one
    /// batched request per group of that many consecutive items (wrapping around), enough groups to cover every item.
    /// </summary>
    /// <summary>ModelInfo.output of a regression model.</summary>
    private const string RegressionOutput = "regression";

    private static (PredictRequest[] Requests, int[][]? Labels) Requests(ModelInfo info, ItemSet items, int perCall)
    {
        var count = items.Items.Length;
        var groups = perCall == 1 ? count : (count + perCall - 1) / perCall;
        var requests = new PredictRequest[groups];
        var labels = items.Labels is null ? null : new int[groups][];
        for (var g = 0; g < groups; g++)
        {
            var members = Enumerable.Range(g * perCall, perCall).Select(i => i % count).ToArray();
            var template = new PredictRequest { Model = info.Name };
            template.Shape.AddRange(info.ItemShape);
            if (perCall == 1)
            {
                template.Data.AddRange(items.Items[members[0]]);
                requests[g] = template;
            }
            else
            {
                requests[g] = MimmoClient.BatchRequest(template, [.. members.Select(i => items.Items[i])]);
            }

            if (labels is not null)
            {
                labels[g] = [.. members.Select(i => items.Labels![i])];
            }
        }

        return (requests, labels);
    }

    /// <summary>Waits for the run, showing progress: a live line on a terminal, a plain line per second otherwise.</summary>
    private static async Task<double> WithProgressAsync(CliContext context, BenchSettings settings, BenchRecorder recorder, Task<double> run)
    {
        var clock = Stopwatch.StartNew();
        var total = settings.Duration.TotalSeconds;
        if (context.Console.Profile.Capabilities.Interactive)
        {
            var text = new Text(string.Empty);
            return await context.Console.Live(new Panel(text).Header("mimmo bench")).StartAsync(async live =>
            {
                while (!run.IsCompleted)
                {
                    live.UpdateTarget(new Panel(new Text(BenchView.Progress(clock.Elapsed.TotalSeconds, recorder, total))).Header("mimmo bench"));
                    await Task.WhenAny(run, Task.Delay(250)).ConfigureAwait(false);
                }

                return await run.ConfigureAwait(false);
            }).ConfigureAwait(false);
        }

        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(1000)).ConfigureAwait(false);
            context.Console.WriteLine(BenchView.Progress(clock.Elapsed.TotalSeconds, recorder, total));
        }

        return await run.ConfigureAwait(false);
    }

    private static BenchResult Summarize(string address, ModelInfo model, BenchSettings settings, int items, double elapsed, TimeSpan cpu, BenchRecorder recorder)
    {
        var snapshot = recorder.Snapshot();
        var (latencies, errors) = (snapshot.Latencies, snapshot.Errors);
        var staged = model.StageCosts.Count > 0;
        var names = settings.Modes.Names.ToArray();
        var byMode = names.Select((name, i) => (name, summary: LatencySummary.Of(latencies[i]))).ToDictionary(p => p.name, p => p.summary, StringComparer.Ordinal);
        var calls = latencies.Sum(l => (long)l.Length);
        var completed = snapshot.Answers;
        return new BenchResult(
            address,
            model.Name,
            settings.Loop,
            settings.Rate is null ? settings.Concurrency : null,
            settings.Rate,
            elapsed,
            completed,
            errors.Values.Sum(),
            completed / elapsed,
            LatencySummary.Of(latencies.SelectMany(l => l)),
            byMode,
            errors,
            $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}",
            cpu.TotalSeconds,
            settings.Exit.ToString(),
            items,
            snapshot.Labelled > 0 ? (double)snapshot.Correct / snapshot.Labelled : null,
            staged ? snapshot.Exits.ToDictionary(p => p.Key.ToString(CultureInfo.InvariantCulture), p => p.Value, StringComparer.Ordinal) : null,
            staged && completed > 0 ? snapshot.ComputeShareSum / completed : null,
            settings.ItemsPerCall,
            calls / elapsed);
    }
}
