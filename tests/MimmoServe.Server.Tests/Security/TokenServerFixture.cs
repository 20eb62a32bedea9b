using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Security;

/// <summary>
/// Cleartext with bearer tokens (--auth-tokens-file): <see cref="AllModels"/> may use every model, <see cref="PlainOnly"/>
/// only "plain" (so not the default model "mimo"), <see cref="MimoOnly"/> only "mimo".
/// </summary>
public sealed class TokenServerFixture : SecureServerFixture
{
    public const string AllModels = "all-models-7f3a9c1e5b2d8f40";
    public const string PlainOnly = "plain-only-0c4e6a8b2d1f3e57";
    public const string MimoOnly = "mimo-only-9e8d7c6b5a4f3e21";

    internal override IEnumerable<KeyValuePair<string, string?>> Settings(TestPki pki)
    {
        var path = Path.Combine(pki.Directory, "tokens.txt");
        File.WriteAllLines(path,
        [
            "# test tokens",
            AllModels,
            string.Empty,
            PlainOnly + "   plain",
            MimoOnly + "\tmimo",
        ]);
        return [new("Mimmo:AuthTokensFile", path)];
    }
}
