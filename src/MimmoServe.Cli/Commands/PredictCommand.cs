using System.CommandLine;
using Google.Protobuf;
using MimmoServe.Cli.Input;
using MimmoServe.Cli.Output;
using MimmoServe.Client;
using MimmoServe.Protocol.V1;
using Spectre.Console;

namespace MimmoServe.Cli.Commands;

/// <summary>
/// <c>mimmo predict</c>: predictions for .npy files, raw float32 files or Fashion-MNIST test images; one item is one
/// Predict call (the full tables), several are one batched call (one row per item).
/// </summary>
internal static class PredictCommand
{
    public static Command Create(CliContext context)
    {
        var address = CommonOptions.Address(context);
        var timeout = CommonOptions.Timeout();
        var json = CommonOptions.Json();
        var files = new Argument<string[]>("files")
        {
            Description = "The items: .npy files (float32, float64 or uint8 pixels), or any other file as raw little-endian float32; " +
                "several go in one batched call.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var fashion = new Option<int[]>("--fashion-mnist")
        {
            Description = "Use Fashion-MNIST test images N [N ...] instead of files; several go in one batched call.",
            AllowMultipleArgumentsPerToken = true,
        };
        var fashionFile = new Option<string>("--fashion-mnist-file") { Description = $"The IDX images file. Default {FashionMnist.DefaultImages}.", DefaultValueFactory = _ => FashionMnist.DefaultImages };
        var model = new Option<string>("--model", "-m") { Description = "The model; default the server's default model.", DefaultValueFactory = _ => string.Empty };
        var mode = new Option<string?>("--mode") { Description = "Operating point: accuracy (k = M), throughput (k = 1), balanced, or a number k. Default the model's default." };
        var exit = new Option<string?>("--exit") { Description = "Exit policy of a staged (early-exit) model: auto (its gates), full (the last exit) or a confidence threshold in (0, 1]. Default the model's default." };
        var top = new Option<uint>("--top") { Description = "Classes in the top list. Default 5.", DefaultValueFactory = _ => 5 };
        var command = new Command(
            "predict",
            "Predict items and print the label, confidence, top classes, uncertainty, and the exit that answered " +
            "(several items: one batched call, one row each).")
        {
            files, fashion, fashionFile, model, mode, exit, top, address, timeout, json,
        };
        ServerCommand.SetAction(command, context, address, async (parse, client, token) =>
        {
            var deadline = ServerCommand.Deadline(parse, timeout);
            var point = parse.GetValue(mode) is { } text ? OperatingPoint.Parse(text) : default;
            var policy = parse.GetValue(exit) is { } exitText ? ExitPolicy.Parse(exitText) : default;
            var info = await client.GetModelAsync(parse.GetValue(model)!, deadline, token).ConfigureAwait(false);
            var indices = parse.GetValue(fashion) ?? [];
            var images = parse.GetValue(fashionFile)!;
            var items = PredictInput.Load(parse.GetValue(files) ?? [], indices, images, info);
            var request = new PredictRequest { Model = info.Name, TopK = parse.GetValue(top), Id = items[0].Id };
            request.Shape.AddRange(info.ItemShape);
            // A model that says what a byte means gets 8-bit pixels (Fashion-MNIST, a uint8 .npy) as they are (raw_uint8):
            // a quarter of the bytes, and the model's own scale rather than the client's 1/255.
            var asBytes = info.InputScale > 0 && items.All(i => i.Pixels is not null);
            if (items.Count > 1)
            {
                // One batched call ([N, *item]); its id is the first item's, and each row names its own item.
                var results = asBytes
                    ? await client.PredictBatchAsync(request, [.. items.Select(i => i.Pixels!)], point, policy, deadline, token).ConfigureAwait(false)
                    : await client.PredictBatchAsync(request, [.. items.Select(i => i.Data)], point, policy, deadline, token).ConfigureAwait(false);
                if (parse.GetValue(json))
                {
                    var response = new PredictResponse { Id = request.Id, Model = info.Name };
                    response.Items.Add(results);
                    await context.Output.WriteLineAsync(CommonOptions.ResponseJsonFormatter.Format(response)).ConfigureAwait(false);
                    return ExitCodes.Ok;
                }

                var classes = FashionMnist.ModelClasses(info.Labels);
                var truths = indices.Length > 0 ? indices.Select(n => FashionMnist.Label(images, n) is { } t ? FashionMnist.ModelClass(t, classes) : (int?)null).ToArray() : null;
                PredictionView.WriteItems(context.Console, info.Name, [.. items.Select(i => i.Id)], results, truths, info.Labels);
                return ExitCodes.Ok;
            }

            if (asBytes)
            {
                request.RawUint8 = ByteString.CopyFrom(items[0].Pixels);
            }
            else
            {
                request.Data.AddRange(items[0].Data);
            }

            var reply = await client.PredictAsync(request, point, policy, deadline, token).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(CommonOptions.ResponseJsonFormatter.Format(reply)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            PredictionView.Write(context.Console, reply, info.Labels);
            if (indices.Length == 1 && FashionMnist.Label(images, indices[0]) is { } label)
            {
                var truth = FashionMnist.ModelClass(label, FashionMnist.ModelClasses(info.Labels));
                var name = truth < info.Labels.Count ? info.Labels[truth] : truth.ToString(System.Globalization.CultureInfo.InvariantCulture);
                context.Console.WriteLine($"true label of test image {indices[0]}: {name} ({(truth == reply.ClassIndex ? "correct" : "wrong")})");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
