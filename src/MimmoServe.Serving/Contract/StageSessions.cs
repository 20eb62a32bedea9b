using MimmoServe.Onnx;

namespace MimmoServe.Serving.Contract;

/// <summary>
/// The later stages of a staged model, opened and checked by <see cref="Open"/>: one session per stage s = 1..S-1
/// (stage 0 is the model's own session) and every stage's layout. Owns the sessions it opened.
/// </summary>
internal sealed class StageSessions : IDisposable
{
    private readonly OnnxSession?[] _sessions;
    private readonly StageLayout[] _layouts;

    private StageSessions(OnnxSession?[] sessions, StageLayout[] layouts)
    {
        _sessions = sessions;
        _layouts = layouts;
    }

    /// <summary>S.</summary>
    public int Count => _layouts.Length;

    /// <summary>Stage s's session, s >= 1.</summary>
    public OnnxSession Session(int stage) => _sessions[stage] ?? throw new ArgumentOutOfRangeException(nameof(stage), "stage 0 is the model's own session");

    public StageLayout Layout(int stage) => _layouts[stage];

    /// <summary>
    /// Opens stage files 1..S-1 of <paramref name="contract"/> from <paramref name="folder"/> with <paramref name="open"/>
    /// (the caller's session options and provider) and checks each: the file exists, one input <c>activation</c> shaped
    /// as the previous stage's next_activation, the outputs of <see cref="StageLayout.Read"/>, and metadata
    /// <c>mimmo.format_version</c> and <c>mimmo.stage</c> = s. On any failure the sessions opened so far are disposed.
    /// </summary>
    /// <exception cref="ModelContractException">A stage breaks the contract (the subject names the file).</exception>
    public static StageSessions Open(ModelContract contract, string folder, Func<string, OnnxSession> open)
    {
        var stages = contract.Stages ?? throw new ArgumentException("the model is not staged", nameof(contract));
        var sessions = new OnnxSession?[stages.Count];
        var layouts = new StageLayout[stages.Count];
        layouts[0] = stages.First;
        try
        {
            for (var s = 1; s < stages.Count; s++)
            {
                var file = stages.Files[s];
                var path = Path.Combine(folder, file);
                if (!File.Exists(path))
                {
                    throw new ModelContractException(ContractKeys.Stages, $"stage {s}'s file '{file}' does not exist beside model.onnx.");
                }

                sessions[s] = open(path);
                layouts[s] = Check(sessions[s]!, contract, s, file, layouts[s - 1]);
            }

            return new StageSessions(sessions, layouts);
        }
        catch
        {
            foreach (var session in sessions)
            {
                session?.Dispose();
            }

            throw;
        }
    }

    public void Dispose()
    {
        foreach (var session in _sessions)
        {
            session?.Dispose();
        }
    }

    private static StageLayout Check(OnnxSession session, ModelContract contract, int stage, string file, StageLayout previous)
    {
        var metadata = session.Metadata.CustomMetadata;
        if (!metadata.TryGetValue(ContractKeys.FormatVersion, out var version) || version != ContractKeys.SupportedFormatVersion)
        {
            throw new ModelContractException($"{file} {ContractKeys.FormatVersion}", $"'{version}' (absent when empty); every stage file carries format version {ContractKeys.SupportedFormatVersion}.");
        }

        if (!metadata.TryGetValue(ContractKeys.Stage, out var index) || index != stage.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            throw new ModelContractException($"{file} {ContractKeys.Stage}", $"'{index}' (absent when empty); the file named at position {stage} of mimmo.stages must say stage {stage}.");
        }

        if (session.Inputs.Count != 1 || session.Inputs[0].Name != ContractKeys.ActivationName)
        {
            throw new ModelContractException($"{file} inputs",
                $"a later stage has one input '{ContractKeys.ActivationName}'; it has {string.Join(", ", session.Inputs.Select(i => $"'{i.Name}'"))}.");
        }

        var subject = $"{file} input '{ContractKeys.ActivationName}'";
        var shape = StageLayout.ReadActivationShape(session.Inputs[0], subject);
        if (!shape.SequenceEqual(previous.ActivationShape!))
        {
            throw new ModelContractException(subject,
                $"shape [batch,{string.Join(",", shape)}]; stage {stage - 1}'s next_activation is [batch,{string.Join(",", previous.ActivationShape!)}].");
        }

        return StageLayout.Read(session.Outputs, contract.Slots, contract.NumClasses, last: stage == contract.Exits - 1, file: file + " ");
    }
}
