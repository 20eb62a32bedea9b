using System.Text.Json;
using MimmoServe.Onnx;

namespace MimmoServe.Serving.Repository;

/// <summary>
/// Reads <c>config.json</c>: a JSON object whose keys are all optional. An unknown key, a wrong type or a value out
/// of range is a <see cref="ModelConfigException"/> naming the key, so a typo never passes silently.
/// </summary>
public static class ModelConfigReader
{
    /// <summary>Reads the file beside a model; defaults when there is none.</summary>
    public static ModelConfig ReadFile(string path) =>
        File.Exists(path) ? Read(File.ReadAllText(path)) : new ModelConfig();

    /// <exception cref="ModelConfigException">Not a JSON object, unknown key or bad value.</exception>
    public static ModelConfig Read(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ModelConfigException("(file)", $"not valid JSON ({e.Message})");
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ModelConfigException("(file)", "must be a JSON object");
            }

            var config = new ModelConfig();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                config = p.Name switch
                {
                    Keys.DefaultEnsembleSize => config with { DefaultEnsembleSize = Int(p, 1) },
                    Keys.MaxRowsPerRun => config with { MaxRowsPerRun = Int(p, 1) },
                    Keys.MaxQueueDelayMs => config with { MaxQueueDelayMs = Number(p) },
                    Keys.GatherWhenIdle => config with { GatherWhenIdle = Bool(p) },
                    Keys.QueueSize => config with { QueueSize = Int(p, 1) },
                    Keys.RunTimeoutMs => config with { RunTimeoutMs = Number(p, ModelConfig.MinRunTimeoutMs, ModelConfig.MaxRunTimeoutMs) },
                    Keys.ExecutionProvider => config with { ExecutionProvider = Provider(p) },
                    Keys.IntraOpThreads => config with { IntraOpThreads = Int(p, 0) },
                    Keys.InterOpThreads => config with { InterOpThreads = Int(p, 0) },
                    Keys.ExitPolicy => config with { ExitPolicy = Policy(p) },
                    Keys.MaxItemsPerRequest => config with { MaxItemsPerRequest = Int(p, 1) },
                    Keys.Labels => config with { Labels = Strings(p) },
                    Keys.Output => config with { Output = OutputName(p) },
                    Keys.Regression => config with { Regression = RegressionName(p) },
                    Keys.InputScale => config with { InputScale = Finite(p, positive: true) },
                    Keys.InputOffset => config with { InputOffset = Finite(p, positive: false) },
                    Keys.InputRange => config with { InputRange = Range(p) },
                    _ => throw new ModelConfigException(p.Name, $"unknown key; the keys are {string.Join(", ", Keys.All)}"),
                };
            }

            return config;
        }
    }

    /// <summary>Parses a provider name as config.json and the command line spell it: cpu, cuda or tensorrt.</summary>
    public static bool TryParseProvider(string? text, out ExecutionProvider provider)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "cpu":
                provider = ExecutionProvider.Cpu;
                return true;
            case "cuda":
                provider = ExecutionProvider.Cuda;
                return true;
            case "tensorrt":
                provider = ExecutionProvider.TensorRt;
                return true;
            default:
                provider = default;
                return false;
        }
    }

    private static int Int(JsonProperty p, int min) =>
        p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out var v) && v >= min
            ? v
            : throw new ModelConfigException(p.Name, $"{p.Value.GetRawText()} is not an integer >= {min}");

    private static bool Bool(JsonProperty p) =>
        p.Value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? p.Value.GetBoolean()
            : throw new ModelConfigException(p.Name, $"{p.Value.GetRawText()} is not true or false");

    private static double Number(JsonProperty p, double min = 0, double max = double.MaxValue) =>
        p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetDouble(out var v) && double.IsFinite(v) && v >= min && v <= max
            ? v
            : throw new ModelConfigException(p.Name, max == double.MaxValue
                ? $"{p.Value.GetRawText()} is not a number >= {min}"
                : $"{p.Value.GetRawText()} is not a number from {min} to {max}");

    private static string[] Strings(JsonProperty p) =>
        p.Value.ValueKind == JsonValueKind.Array && p.Value.GetArrayLength() > 0
            && p.Value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString()))
            ? [.. p.Value.EnumerateArray().Select(v => v.GetString()!)]
            : throw new ModelConfigException(p.Name, $"{Shorten(p.Value.GetRawText())} is not a non-empty list of non-empty strings");

    private static string OutputName(JsonProperty p) =>
        p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() is Contract.ContractKeys.OutputLogits or Contract.ContractKeys.OutputProbabilities or Contract.ContractKeys.OutputRegression
            ? p.Value.GetString()!
            : throw new ModelConfigException(p.Name, $"{Shorten(p.Value.GetRawText())} is not \"{Contract.ContractKeys.OutputLogits}\", \"{Contract.ContractKeys.OutputProbabilities}\" or \"{Contract.ContractKeys.OutputRegression}\"");

    private static string RegressionName(JsonProperty p) =>
        p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() is Contract.ContractKeys.RegressionMean or Contract.ContractKeys.RegressionMeanVariance
            ? p.Value.GetString()!
            : throw new ModelConfigException(p.Name, $"{Shorten(p.Value.GetRawText())} is not \"{Contract.ContractKeys.RegressionMean}\" or \"{Contract.ContractKeys.RegressionMeanVariance}\"");

    private static double Finite(JsonProperty p, bool positive) =>
        p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetDouble(out var v) && double.IsFinite(v) && (!positive || v > 0)
            ? v
            : throw new ModelConfigException(p.Name, $"{Shorten(p.Value.GetRawText())} is not a {(positive ? "number above 0" : "finite number")}");

    private static double[] Range(JsonProperty p) =>
        p.Value.ValueKind == JsonValueKind.Array && p.Value.GetArrayLength() == 2
            && p.Value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) && double.IsFinite(d))
            && p.Value[0].GetDouble() < p.Value[1].GetDouble()
            ? [p.Value[0].GetDouble(), p.Value[1].GetDouble()]
            : throw new ModelConfigException(p.Name, $"{Shorten(p.Value.GetRawText())} is not [min, max] with min < max");

    private static string Shorten(string text) => text.Length <= 100 ? text : text[..100] + "...";

    private static ExecutionProvider Provider(JsonProperty p) =>
        p.Value.ValueKind == JsonValueKind.String && TryParseProvider(p.Value.GetString(), out var provider)
            ? provider
            : throw new ModelConfigException(p.Name, $"{p.Value.GetRawText()} is not one of \"cpu\", \"cuda\", \"tensorrt\"");

    private static Requests.ExitPolicy Policy(JsonProperty p) =>
        p.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number
            && Requests.ExitPolicy.TryParse(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText(), out var policy)
            ? policy
            : throw new ModelConfigException(p.Name, $"{p.Value.GetRawText()} is not \"auto\", \"full\" or a threshold t with 0 < t <= 1");

    /// <summary>The keys of config.json.</summary>
    public static class Keys
    {
        public const string DefaultEnsembleSize = "default_ensemble_size";
        public const string MaxRowsPerRun = "max_rows_per_run";
        public const string MaxQueueDelayMs = "max_queue_delay_ms";
        public const string GatherWhenIdle = "gather_when_idle";
        public const string QueueSize = "queue_size";
        public const string ExecutionProvider = "execution_provider";
        public const string IntraOpThreads = "intra_op_threads";
        public const string InterOpThreads = "inter_op_threads";
        public const string RunTimeoutMs = "run_timeout_ms";
        public const string ExitPolicy = "exit_policy";
        public const string MaxItemsPerRequest = "max_items_per_request";
        public const string Labels = "labels";
        public const string Output = "output";
        public const string Regression = "regression";
        public const string InputScale = "input_scale";
        public const string InputOffset = "input_offset";
        public const string InputRange = "input_range";

        public static readonly IReadOnlyList<string> All =
            [
                DefaultEnsembleSize, MaxRowsPerRun, MaxQueueDelayMs, GatherWhenIdle, QueueSize, ExecutionProvider, IntraOpThreads, InterOpThreads,
                RunTimeoutMs, ExitPolicy, MaxItemsPerRequest, Labels, Output, Regression, InputScale, InputOffset, InputRange,
            ];
    }
}
