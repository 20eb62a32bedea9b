namespace MimmoServe.Serving.Requests;

/// <summary>How a request chooses the exit of a staged model that answers it.</summary>
public enum ExitPolicyKind
{
    /// <summary>Every stage runs; the last exit answers. The default value, and the only policy of a model that is not staged.</summary>
    Full,

    /// <summary>The model's learned gates: the first exit whose mean gate over the input's slots reaches the gate threshold.</summary>
    Auto,

    /// <summary>The first exit whose averaged prediction's top probability reaches <see cref="ExitPolicy.Threshold"/>.</summary>
    Threshold,
}
