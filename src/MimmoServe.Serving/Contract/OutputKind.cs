namespace MimmoServe.Serving.Contract;

/// <summary>What a model's output holds, and so how the server turns each member's output into its answer.</summary>
public enum OutputKind
{
    /// <summary>Unnormalized scores (or log-probabilities): each member's distribution is their softmax.</summary>
    Logits,

    /// <summary>Probabilities already (the graph ends in a Softmax): each member's output is its distribution, renormalized.</summary>
    Probabilities,

    /// <summary>
    /// Real values, T targets (<see cref="RegressionHead"/>): each member's output is its predicted mean per target,
    /// followed by its predicted variance per target when the model has a variance head. Averaged, not softmaxed.
    /// </summary>
    Regression,
}
