using MimmoServe.Onnx;
using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Requests;

namespace MimmoServe.Serving.Repository;

/// <summary>
/// The serving settings of one model, from the optional <c>config.json</c> beside its <c>model.onnx</c>
/// (read by <see cref="ModelConfigReader"/>). Every default is on its property.
/// </summary>
public sealed record ModelConfig
{
    public const string FileName = "config.json";
    public const int DefaultMaxRowsPerRun = 32;
    public const double DefaultMaxQueueDelayMs = 2;
    public const int DefaultQueueSize = 1024;
    public const double DefaultRunTimeoutMs = 10_000;
    public const int DefaultMaxItemsPerRequest = 256;

    /// <summary>The shortest and longest run timeout the timeout strategy (Polly) accepts.</summary>
    public const double MinRunTimeoutMs = 10, MaxRunTimeoutMs = 86_400_000;

    /// <summary><c>default_ensemble_size</c>: k when neither request nor header chooses. Default null: the model's <c>mimmo.default_ensemble_size</c>.</summary>
    public int? DefaultEnsembleSize { get; init; }

    /// <summary><c>max_rows_per_run</c>: rows B of one run, each holding M slots. Default 32. Must be >= 1.</summary>
    public int MaxRowsPerRun { get; init; } = DefaultMaxRowsPerRun;

    /// <summary>
    /// <c>max_queue_delay_ms</c>: with <see cref="GatherWhenIdle"/>, how long the oldest waiting input may wait for a
    /// fuller run while a runner is free. Without it (the default) a free runner starts at once, inputs gather only while
    /// every runner is busy (until one is free), and the delay is not used. Default 2 ms. Must be >= 0.
    /// </summary>
    public double MaxQueueDelayMs { get; init; } = DefaultMaxQueueDelayMs;

    /// <summary>
    /// <c>gather_when_idle</c>: false (the default): the engine never idles while requests wait; a free runner starts a
    /// run at once with whatever waits, so a lone request takes about one run. True: a free runner waits until the
    /// waiting inputs fill max_rows_per_run × M slots or the oldest has waited max_queue_delay_ms (and a staged model's
    /// later stages wait likewise for rows that stage 0 may still send): fuller runs at the cost of that delay at low load.
    /// </summary>
    public bool GatherWhenIdle { get; init; }

    /// <summary><c>queue_size</c>: inputs that may wait; one more is refused at once. Default 1024. Must be >= 1.</summary>
    public int QueueSize { get; init; } = DefaultQueueSize;

    /// <summary>
    /// <c>max_items_per_request</c> as configured: the most items one Predict request (or PredictStream message) may
    /// carry, its shape's leading batch dimension N. Null when config.json does not set it (see
    /// <see cref="ItemsPerRequest"/>). Must be >= 1 and at most <see cref="QueueSize"/>.
    /// </summary>
    public int? MaxItemsPerRequest { get; init; }

    /// <summary>
    /// The limit in force: <see cref="MaxItemsPerRequest"/>, else 256 (about 800 KB of 28 x 28 float images, within the
    /// default 4 MiB message size) or <see cref="QueueSize"/> when that is smaller, since a request's items are queued
    /// all together or not at all.
    /// </summary>
    public int ItemsPerRequest => MaxItemsPerRequest ?? Math.Min(DefaultMaxItemsPerRequest, QueueSize);

    /// <summary><c>execution_provider</c>: <c>cpu</c>, <c>cuda</c> or <c>tensorrt</c>. Default cpu. A GPU provider that cannot be used falls back to CPU with a logged reason.</summary>
    public ExecutionProvider ExecutionProvider { get; init; } = ExecutionProvider.Cpu;

    /// <summary>
    /// <c>intra_op_threads</c>: ONNX Runtime's intra-op threads per run. Default 0: automatic, the processors this
    /// process may use shared among the model's concurrent runs (<see cref="IntraOpThreadsFor"/>). Must be >= 0.
    /// </summary>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// <c>labels</c>: the class names, one per class, over the model's own (a plain classifier's are "0".."K-1").
    /// Default null: the model's.
    /// </summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>
    /// <c>output</c>: what the model's output holds, <c>"logits"</c>, <c>"probabilities"</c> or <c>"regression"</c>, over
    /// <c>mimmo.output</c> (models/CONTRACT.md, "What the output holds"). Default null: the model's declaration, else its graph.
    /// </summary>
    public string? Output { get; init; }

    /// <summary>
    /// <c>regression</c>: a regression output's head, <c>"mean"</c> or <c>"mean_variance"</c> (each member's T means, then
    /// its T variances), over <c>mimmo.regression</c>. Default null: the model's declaration, else <c>mean</c>.
    /// </summary>
    public string? Regression { get; init; }

    /// <summary>
    /// <c>input_scale</c>: the value of one step of a uint8 byte (> 0), over <c>mimmo.input_scale</c>; requests may then send
    /// their items as bytes (<c>raw_uint8</c>). Default null: the model's declaration, else no bytes.
    /// </summary>
    public double? InputScale { get; init; }

    /// <summary><c>input_offset</c>: the value of byte 0, over <c>mimmo.input_offset</c> (only with a scale). Default null: the model's, else 0.</summary>
    public double? InputOffset { get; init; }

    /// <summary>
    /// <c>input_range</c>: <c>[min, max]</c>, the range of every float input value, over <c>mimmo.input_range</c>; a request
    /// with a value outside is refused (INVALID_ARGUMENT). Default null: the model's declaration, else any finite value.
    /// </summary>
    public IReadOnlyList<double>? InputRange { get; init; }

    /// <summary>What this config says about the model's contract (labels, output, input values).</summary>
    public Contract.ContractOverrides ContractOverrides => new(Labels, Output, InputScale, InputOffset, InputRange, Regression);

    /// <summary>
    /// The intra-op threads a session gets: <paramref name="configured"/> when it is set (> 0), else
    /// <paramref name="processors"/> divided among the runs a model has at once, at least one. Not ORT's own default:
    /// that is one thread per physical core of the host, which in a container limited to fewer CPUs (whose limit
    /// <see cref="Environment.ProcessorCount"/> follows) oversubscribes them; and with two runs at once, each with a
    /// thread per core, the runs' threads preempt each other in the middle of ORT's parallel sections. Measured on 2
    /// cores (bench/README.md): one thread per run served 13% more rows per second at k = M than ORT's default.
    /// </summary>
    /// <param name="configured">The setting (the host's override, else <see cref="IntraOpThreads"/>); 0 = automatic.</param>
    /// <param name="processors">The processors this process may use (<see cref="Environment.ProcessorCount"/>).</param>
    public static int IntraOpThreadsFor(int configured, int processors) =>
        configured > 0 ? configured : Math.Max(1, processors / Batching.ModelBatcher.RunnerCount);

    /// <summary><c>inter_op_threads</c>: ORT's inter-op threads. Default 0: ORT's choice. Must be >= 0.</summary>
    public int InterOpThreads { get; init; }

    /// <summary>
    /// <c>run_timeout_ms</c>: the longest one run of the model may take; a longer run is stopped (ONNX Runtime's
    /// terminate flag, checked between nodes) and its requests fail DEADLINE_EXCEEDED; the session stays usable.
    /// Default 10000 ms. Must be 10 ms to 24 h.
    /// </summary>
    public double RunTimeoutMs { get; init; } = DefaultRunTimeoutMs;

    /// <summary>
    /// <c>exit_policy</c>: where a request without an <c>x-mimmo-exit</c> header leaves a staged model: <c>auto</c>,
    /// <c>full</c> or a threshold in (0, 1]. Default null: auto for a staged model, full for the others, which accept
    /// only full.
    /// </summary>
    public ExitPolicy? ExitPolicy { get; init; }

    public TimeSpan RunTimeout => TimeSpan.FromMilliseconds(RunTimeoutMs);

    public TimeSpan MaxQueueDelay => TimeSpan.FromMilliseconds(MaxQueueDelayMs);

    /// <summary>The k used when neither the request nor the header chooses one.</summary>
    public int EnsembleSizeFor(ModelContract contract) => DefaultEnsembleSize ?? contract.DefaultEnsembleSize;

    /// <summary>The exit policy used when a request has no <c>x-mimmo-exit</c> header.</summary>
    public ExitPolicy ExitPolicyFor(ModelContract contract) => ExitPolicy ?? Requests.ExitPolicy.DefaultFor(contract);

    /// <summary>Checks the settings that depend on the model.</summary>
    /// <exception cref="ModelConfigException">
    /// default_ensemble_size is not one the model supports, exit_policy is not full on a model that is not staged, or
    /// max_items_per_request is larger than queue_size.
    /// </exception>
    public void Validate(ModelContract contract)
    {
        if (MaxItemsPerRequest is { } items && items > QueueSize)
        {
            throw new ModelConfigException(ModelConfigReader.Keys.MaxItemsPerRequest,
                $"{items} is more than queue_size ({QueueSize}): a request's items are queued all together, so such a request could never be admitted");
        }

        if (DefaultEnsembleSize is { } k && !contract.Supports(k))
        {
            throw new ModelConfigException(ModelConfigReader.Keys.DefaultEnsembleSize,
                $"{k} is not one of the model's ensemble sizes [{string.Join(", ", contract.EnsembleSizes)}]");
        }

        if (ExitPolicy is { Kind: not ExitPolicyKind.Full } policy && contract.Stages is null)
        {
            throw new ModelConfigException(ModelConfigReader.Keys.ExitPolicy, $"\"{policy}\": the model is not staged (no early exit), so it accepts only \"full\"");
        }
    }
}
