namespace MimmoServe.Serving.Ensembles;

/// <summary>
/// One member of an ensemble prediction: exit e, slot s, its weight ω = w[e][s] / |S'| and its values: of a classifier,
/// its distribution softmax(logits[row, e, s]); of a regression model, its output (T means, then T variances with a
/// variance head).
/// </summary>
public sealed record MemberPrediction(int Exit, int Slot, float Weight, float[] Values);
