namespace MimmoServe.Serving.Contract;

/// <summary>What a classifier's output holds, and so how the server turns each member's output into a distribution.</summary>
public enum OutputKind
{
    /// <summary>Unnormalized scores (or log-probabilities): each member's distribution is their softmax.</summary>
    Logits,

    /// <summary>Probabilities already (the graph ends in a Softmax): each member's output is its distribution, renormalized.</summary>
    Probabilities,
}
