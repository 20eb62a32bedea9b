namespace MimmoServe.Server.Security;

/// <summary>
/// One bearer token of the tokens file: the SHA-256 of the token (the token itself is not kept) and the models it may
/// use. <see cref="Models"/> null means every model, present and future.
/// </summary>
internal sealed class TokenGrant
{
    /// <summary>The grant of every call when authentication is off.</summary>
    public static readonly TokenGrant Everything = new([], null, "authentication off");

    public TokenGrant(byte[] hash, IReadOnlySet<string>? models, string source)
    {
        Hash = hash;
        Models = models;
        Source = source;
    }

    public byte[] Hash { get; }

    public IReadOnlySet<string>? Models { get; }

    /// <summary>Where the token came from ("line 3"), for log lines; never the token.</summary>
    public string Source { get; }

    public bool Allows(string model) => Models is null || Models.Contains(model);
}
