using MimmoServe.Serving.Contract;

namespace MimmoServe.Serving.Tests;

/// <summary>Contracts read from the real fixture sessions, optionally with edited metadata.</summary>
internal static class Contracts
{
    public static ModelContract Mimo(Action<Dictionary<string, string>>? edit = null)
    {
        var metadata = new Dictionary<string, string>(Fixtures.Mimo.Metadata.CustomMetadata, StringComparer.Ordinal);
        edit?.Invoke(metadata);
        return ContractReader.Read(Fixtures.Mimo.Inputs, Fixtures.Mimo.Outputs, metadata);
    }
}
