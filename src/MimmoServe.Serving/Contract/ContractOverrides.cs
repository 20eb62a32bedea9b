namespace MimmoServe.Serving.Contract;

/// <summary>
/// What a model's <c>config.json</c> says about its contract, over what the model's own metadata says: for models we
/// did not write, which carry no <c>mimmo.*</c> metadata (models/CONTRACT.md, "config.json beside a model").
/// </summary>
/// <param name="Labels">The class names, one per class; null: the model's (a plain classifier's are "0".."K-1").</param>
/// <param name="Output">What the output holds, <c>logits</c>, <c>probabilities</c> or <c>regression</c>, as <c>mimmo.output</c> declares it; null: the model's.</param>
/// <param name="InputScale">The value of one step of a uint8 byte, as <c>mimmo.input_scale</c>; null: the model's.</param>
/// <param name="InputOffset">The value of byte 0, as <c>mimmo.input_offset</c>; null: the model's.</param>
/// <param name="InputRange">[min, max] of the float input values, as <c>mimmo.input_range</c>; null: the model's.</param>
/// <param name="Regression">A regression output's head, <c>mean</c> or <c>mean_variance</c>, as <c>mimmo.regression</c>; null: the model's.</param>
public sealed record ContractOverrides(
    IReadOnlyList<string>? Labels, string? Output, double? InputScale = null, double? InputOffset = null, IReadOnlyList<double>? InputRange = null, string? Regression = null)
{
    /// <summary>Where an override comes from, in the errors about it.</summary>
    public const string Source = "(config.json)";
}
