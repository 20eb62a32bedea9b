namespace MimmoServe.Serving.Contract;

/// <summary>The names and fixed values of the model contract (models/CONTRACT.md): tensors and metadata keys.</summary>
public static class ContractKeys
{
    public const string InputName = "input";
    public const string OutputName = "logits";
    public const string Prefix = "mimmo.";

    public const string FormatVersion = "mimmo.format_version";
    public const string Family = "mimmo.family";
    public const string Slots = "mimmo.slots";
    public const string Exits = "mimmo.exits";
    public const string NumClasses = "mimmo.num_classes";
    public const string ItemShape = "mimmo.item_shape";
    public const string ExitWeights = "mimmo.exit_weights";
    public const string Labels = "mimmo.labels";
    public const string EnsembleSizes = "mimmo.ensemble_sizes";
    public const string Replication = "mimmo.replication";
    public const string DefaultEnsembleSize = "mimmo.default_ensemble_size";
    public const string Metrics = "mimmo.metrics";

    /// <summary>Stage 0 of a staged model: its stage files, their costs and the gate threshold (JSON object).</summary>
    public const string Stages = "mimmo.stages";

    /// <summary>A staged model's optional split-conformal thresholds per ensemble size and exit (JSON object).</summary>
    public const string Conformal = "mimmo.conformal";

    /// <summary>A later stage file's index s.</summary>
    public const string Stage = "mimmo.stage";

    /// <summary>A staged model's per-slot exit probabilities [B, M].</summary>
    public const string GateName = "gate";

    /// <summary>A later stage's input: the previous stage's <see cref="NextActivationName"/>.</summary>
    public const string ActivationName = "activation";

    /// <summary>A stage's trunk output, the next stage's input (not on the last stage).</summary>
    public const string NextActivationName = "next_activation";

    /// <summary>How far the stage costs may sum from 1.</summary>
    public const double StageCostTolerance = 1e-4;

    /// <summary>The only format version this server reads.</summary>
    public const string SupportedFormatVersion = "1";

    /// <summary>How far each slot's column of exit weights may be from 1.</summary>
    public const double WeightSumTolerance = 1e-4;

    /// <summary>Slots per row are tracked as bits of a 64-bit mask.</summary>
    public const int MaxSlots = 64;

    public const string FamilyMimmo = "mimmo";
    public const string FamilyMimoNet = "mimonet";
    public const string FamilySingle = "single";
    public const string FamilyEnsemble = "ensemble";

    /// <summary>A staged early-exit model (JEI-DNN): one ONNX file per stage, see <see cref="Stages"/>.</summary>
    public const string FamilyJeiDnn = "jeidnn";

    /// <summary>
    /// Optional: what the output holds, <see cref="OutputLogits"/>, <see cref="OutputProbabilities"/> or
    /// <see cref="OutputRegression"/>. Without it the server reads the graph: an output computed by Softmax holds
    /// probabilities, any other logits; a regression output is always declared.
    /// </summary>
    public const string Output = "mimmo.output";

    /// <summary>
    /// A regression model's head, <see cref="RegressionMean"/> (the default) or <see cref="RegressionMeanVariance"/>
    /// (<see cref="RegressionHead"/>); only with <see cref="Output"/> = <see cref="OutputRegression"/>.
    /// </summary>
    public const string Regression = "mimmo.regression";

    /// <summary>A regression model's T, in place of <see cref="NumClasses"/>: the output's last dimension is T, or 2T with a variance head.</summary>
    public const string NumTargets = "mimmo.num_targets";

    /// <summary>Optional: the value of one step of a uint8 byte (a number > 0); requests may then send <c>raw_uint8</c> (<see cref="InputValues"/>).</summary>
    public const string InputScale = "mimmo.input_scale";

    /// <summary>Optional, with <see cref="InputScale"/>: the value of byte 0 (default 0).</summary>
    public const string InputOffset = "mimmo.input_offset";

    /// <summary>Optional: <c>[min, max]</c>, the range of every float input value; values outside are refused.</summary>
    public const string InputRange = "mimmo.input_range";

    public const string OutputLogits = "logits";
    public const string OutputProbabilities = "probabilities";
    public const string OutputRegression = "regression";
    public const string RegressionMean = "mean";
    public const string RegressionMeanVariance = "mean_variance";

    /// <summary>Every key a MIMO-contract classifier must carry; a regression model carries <see cref="NumTargets"/> in place of <see cref="NumClasses"/>.</summary>
    public static readonly IReadOnlyList<string> Required =
    [
        FormatVersion, Family, Slots, Exits, NumClasses, ItemShape, ExitWeights, Labels, EnsembleSizes, Replication,
        DefaultEnsembleSize, Metrics,
    ];

    public static readonly IReadOnlyList<string> Families = [FamilyMimmo, FamilyMimoNet, FamilySingle, FamilyEnsemble, FamilyJeiDnn];
}
