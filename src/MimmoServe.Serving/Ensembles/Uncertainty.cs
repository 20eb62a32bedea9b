namespace MimmoServe.Serving.Ensembles;

/// <summary>
/// Uncertainty of one prediction over its members (e, s) with weights ω = w[e][s] / |S'| (they sum to 1), in nats.
/// The split of predictive entropy into expected entropy (aleatoric) and mutual information (epistemic) is the
/// usual one for deep ensembles (Depeweg et al. 2018; Lakshminarayanan et al. 2017).
/// </summary>
/// <param name="PredictiveEntropy">H[p] of the averaged distribution.</param>
/// <param name="ExpectedEntropy">Σ ω H[p_es].</param>
/// <param name="MutualInformation">PredictiveEntropy − ExpectedEntropy, clamped at 0 against rounding.</param>
/// <param name="Variance">Σ ω (p_es[c] − p[c])² for the chosen class c.</param>
/// <param name="Agreement">Σ ω over the members whose argmax is c.</param>
public readonly record struct Uncertainty(float PredictiveEntropy, float ExpectedEntropy, float MutualInformation, float Variance, float Agreement);
