namespace MimmoServe.Serving.Ensembles;

/// <summary>
/// A regression ensemble's answer for one target, over its members (e, s) with weights ω = w[e][s] / |S'| (they sum
/// to 1): the law of total variance splits the predictive variance into the members' disagreement and the noise they
/// predict (Lakshminarayanan et al. 2017, deep ensembles with a Gaussian head).
/// </summary>
/// <param name="Name">The target's name (the model's label for it).</param>
/// <param name="Mean">μ = Σ ω μ_es.</param>
/// <param name="EpistemicVariance">Σ ω (μ_es − μ)²: how much the members disagree.</param>
/// <param name="AleatoricVariance">Σ ω σ²_es: the noise the members predict; 0 for a model without a variance head.</param>
/// <param name="Variance">EpistemicVariance + AleatoricVariance.</param>
/// <param name="Lower">μ − z·√Variance, z the Gaussian quantile of <see cref="RegressionAverager.IntervalLevel"/>.</param>
/// <param name="Upper">μ + z·√Variance.</param>
public readonly record struct TargetPrediction(string Name, float Mean, float EpistemicVariance, float AleatoricVariance, float Variance, float Lower, float Upper);
