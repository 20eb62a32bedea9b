namespace MimmoServe.Serving.Contract;

/// <summary>
/// The output of a regression model (<c>mimmo.output = regression</c>): T targets, each member giving its mean, and with a
/// variance head (<c>mimmo.regression = mean_variance</c>) also its variance: a member's output is then
/// [μ_1..μ_T, σ²_1..σ²_T], 2T values, the variances being variances (not log-variances: the graph applies the
/// positive map, e.g. softplus, itself).
/// </summary>
/// <param name="Targets">T, the values predicted per input.</param>
/// <param name="HasVariance">True when each member also predicts its variance (the noise it expects: aleatoric).</param>
public sealed record RegressionHead(int Targets, bool HasVariance)
{
    /// <summary>Values per member in the output's last dimension: T, or 2T with a variance head.</summary>
    public int Width => HasVariance ? 2 * Targets : Targets;

    /// <summary>The value of <c>mimmo.regression</c>: <c>mean_variance</c> or <c>mean</c>.</summary>
    public string Name => HasVariance ? ContractKeys.RegressionMeanVariance : ContractKeys.RegressionMean;
}
