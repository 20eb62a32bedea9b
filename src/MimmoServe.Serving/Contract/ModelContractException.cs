namespace MimmoServe.Serving.Contract;

/// <summary>
/// A model that does not follow the contract (models/CONTRACT.md). <see cref="Subject"/> is the metadata key or
/// tensor name at fault, and the message says what was expected and what was found. The model is not served.
/// </summary>
public sealed class ModelContractException : Exception
{
    public ModelContractException(string subject, string problem)
        : base($"{subject}: {problem}")
    {
        Subject = subject;
    }

    /// <summary>The metadata key (e.g. <c>mimmo.exit_weights</c>) or tensor (e.g. <c>output 'logits'</c>) at fault.</summary>
    public string Subject { get; }
}
