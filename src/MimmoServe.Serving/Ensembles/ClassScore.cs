namespace MimmoServe.Serving.Ensembles;

/// <summary>One class of the top list.</summary>
public readonly record struct ClassScore(int Index, string Label, float Probability);
