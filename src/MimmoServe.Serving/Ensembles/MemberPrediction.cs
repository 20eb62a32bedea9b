namespace MimmoServe.Serving.Ensembles;

/// <summary>One member of an ensemble prediction: exit e, slot s, its weight ω = w[e][s] / |S'| and softmax(logits[row, e, s]).</summary>
public sealed record MemberPrediction(int Exit, int Slot, float Weight, float[] Probabilities);
