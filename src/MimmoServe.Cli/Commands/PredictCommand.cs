using System.CommandLine;
using Google.Protobuf;
using MimmoServe.Cli.Input;
using MimmoServe.Cli.Output;
using MimmoServe.Client;
using MimmoServe.Protocol.V1;
using Spectre.Console;

namespace MimmoServe.Cli.Commands;

/// <summary><c>mimmo predict</c>: one prediction from a .npy file, a raw float32 file or a Fashion-MNIST test image.</summary>
internal static class PredictCommand
{
    public static Command Create(CliContext context)
    {
        var address = CommonOptions.Address(context);
        var timeout = CommonOptions.Timeout();
        var json = CommonOptions.Json();
        var file = new Argument<string?>("file") { Description = "The item: a .npy file (float32, float64 or uint8 pixels), or any other file as raw little-endian float32.", Arity = ArgumentArity.ZeroOrOne };
        var fashion = new Option<int?>("--fashion-mnist") { Description = "Use Fashion-MNIST test image N instead of a file." };
        var fashionFile = new Option<string>("--fashion-mnist-file") { Description = $"The IDX images file. Default {FashionMnist.DefaultImages}.", DefaultValueFactory = _ => FashionMnist.DefaultImages };
        var model = new Option<string>("--model", "-m") { Description = "The model; default the server's default model.", DefaultValueFactory = _ => string.Empty };
        var mode = new Option<string?>("--mode") { Description = "Operating point: accuracy (k = M), throughput (k = 1), balanced, or a number k. Default the model's default." };
        var exit = new Option<string?>("--exit") { Description = "Exit policy of a staged (early-exit) model: auto (its gates), full (the last exit) or a confidence threshold in (0, 1]. Default the model's default." };
        var top = new Option<uint>("--top") { Description = "Classes in the top list. Default 5.", DefaultValueFactory = _ => 5 };
        var command = new Command("predict", "Predict one item and print the label, confidence, top classes, uncertainty, and the exit that answered.") { file, fashion, fashionFile, model, mode, exit, top, address, timeout, json };
        ServerCommand.SetAction(command, context, address, async (parse, client, token) =>
        {
            var deadline = ServerCommand.Deadline(parse, timeout);
            var point = parse.GetValue(mode) is { } text ? OperatingPoint.Parse(text) : default;
            var policy = parse.GetValue(exit) is { } exitText ? ExitPolicy.Parse(exitText) : default;
            var info = await client.GetModelAsync(parse.GetValue(model)!, deadline, token).ConfigureAwait(false);
            var index = parse.GetValue(fashion);
            var data = PredictInput.Load(parse.GetValue(file), index, parse.GetValue(fashionFile)!, info);
            var request = new PredictRequest { Model = info.Name, TopK = parse.GetValue(top), Id = index is { } i ? $"fashion-mnist-{i}" : Path.GetFileName(parse.GetValue(file)!) };
            request.Shape.AddRange(info.ItemShape);
            request.Data.AddRange(data);
            var reply = await client.PredictAsync(request, point, policy, deadline, token).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(CommonOptions.ResponseJsonFormatter.Format(reply)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            PredictionView.Write(context.Console, reply, info.Labels);
            if (index is { } n && FashionMnist.Label(parse.GetValue(fashionFile)!, n) is { } truth)
            {
                var name = truth < info.Labels.Count ? info.Labels[truth] : truth.ToString(System.Globalization.CultureInfo.InvariantCulture);
                context.Console.WriteLine($"true label of test image {n}: {name} ({(truth == reply.ClassIndex ? "correct" : "wrong")})");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
