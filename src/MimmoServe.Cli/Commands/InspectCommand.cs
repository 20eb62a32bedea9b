using System.CommandLine;
using System.Globalization;
using MimmoServe.Cli.Output;
using MimmoServe.Onnx;
using MimmoServe.Serving.Contract;
using Spectre.Console;

namespace MimmoServe.Cli.Commands;

/// <summary>
/// <c>mimmo inspect model.onnx</c>: loads the model with ONNX Runtime (no server) and checks it against the contract
/// (models/CONTRACT.md) with the server's own reader. Exit 0 with the model's facts, 1 naming what is broken.
/// </summary>
internal static class InspectCommand
{
    public static Command Create(CliContext context)
    {
        var path = new Argument<FileInfo>("model") { Description = "The .onnx file." };
        var command = new Command("inspect", "Check a model file against the contract, offline, and print its facts.") { path };
        command.SetAction(async parse =>
        {
            var file = parse.GetValue(path)!;
            if (!file.Exists)
            {
                await context.Error.WriteLineAsync($"error: {file.FullName} does not exist.").ConfigureAwait(false);
                return ExitCodes.Failed;
            }

            try
            {
                using var session = OnnxRuntime.Shared.CreateSession(file.FullName);
                // As the server reads it: with what a config.json beside the file says over the model's metadata.
                var config = Serving.Repository.ModelConfigReader.ReadFile(Path.Combine(file.DirectoryName ?? ".", Serving.Repository.ModelConfig.FileName));
                var contract = ContractReader.Read(session, config.ContractOverrides);
                context.Console.Write(Facts(file, session, contract));
                context.Console.WriteLine("contract: OK");
                return ExitCodes.Ok;
            }
            catch (ModelContractException e)
            {
                await context.Error.WriteLineAsync($"contract: BROKEN: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }
            catch (Serving.Repository.ModelConfigException e)
            {
                await context.Error.WriteLineAsync($"config.json: BROKEN: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }
            catch (OnnxModelException e)
            {
                await context.Error.WriteLineAsync($"contract: BROKEN: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }
            catch (OrtException e)
            {
                await context.Error.WriteLineAsync($"contract: BROKEN: ONNX Runtime cannot load the model: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }
        });
        return command;
    }

    private static Table Facts(FileInfo file, OnnxSession session, ModelContract c)
    {
        var table = new Table().AddColumns("fact", "value");
        table.AddTextRow("file", $"{file.Name} ({file.Length.ToString("N0", CultureInfo.InvariantCulture)} bytes)");
        table.AddTextRow("family", c.Family + (c.IsPlain ? " (plain classifier, no mimmo metadata)" : string.Empty));
        table.AddTextRow("slots M", Text(c.Slots));
        table.AddTextRow("exits E", Text(c.Exits));
        if (c.Regression is { } head)
        {
            table.AddTextRow("targets T", Text(head.Targets));
        }
        else
        {
            table.AddTextRow("classes K", Text(c.NumClasses));
        }

        table.AddTextRow("item shape", ModelView.Shape(c.ItemShape));
        table.AddTextRow("input", $"{c.InputName} {Dims(session.Inputs[0])}");
        table.AddTextRow("input values", c.Input.Describe());
        table.AddTextRow("output", $"{c.OutputName} {Dims(session.Outputs[0])}");
        table.AddTextRow("output holds", c.Output switch
        {
            OutputKind.Probabilities => "probabilities: each member's output is renormalized, not softmaxed again",
            OutputKind.Regression when c.Regression!.HasVariance =>
                "regression, mean_variance: each member gives T means then T variances; answered per target with the weighted mean, " +
                "the members' variance (epistemic), their mean variance (aleatoric), the sum and a 95% interval",
            OutputKind.Regression =>
                "regression, mean: each member gives T means; answered per target with the weighted mean, the members' variance " +
                "(epistemic; no aleatoric without a variance head) and a 95% interval",
            _ => "logits: each member's distribution is their softmax",
        });
        table.AddTextRow("ensemble sizes k", string.Join(", ", c.EnsembleSizes));
        table.AddTextRow("default k", Text(c.DefaultEnsembleSize));
        table.AddTextRow(c.Regression is null ? "labels" : "target names", string.Join(", ", c.Labels));
        for (var e = 0; e < c.Exits; e++)
        {
            var row = c.ExitWeightRow(e).ToArray();
            table.AddTextRow($"exit {e} weights", string.Join(" ", row.Select(w => w.ToString("0.###", CultureInfo.InvariantCulture))));
        }

        table.AddTextRow("metrics", ModelView.Shorten(c.Metrics));
        table.AddTextRow("execution provider", session.ExecutionProvider.ToString());
        return table;
    }

    private static string Dims(TensorInfo info) => "[" + string.Join(", ", info.SymbolicShape.Select((s, i) => s.Length > 0 ? s : info.Shape[i].ToString(CultureInfo.InvariantCulture))) + "]";

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
