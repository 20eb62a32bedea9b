using System.Text.RegularExpressions;

namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>An image reference <c>[registry/]repository[:tag][@digest]</c> split into repository, tag and digest.</summary>
internal sealed partial record ImageReference(string Repository, string? Tag, string? Digest)
{
    public static ImageReference Parse(string reference)
    {
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        var digest = at < 0 ? null : reference[(at + 1)..];
        var name = at < 0 ? reference : reference[..at];
        var colon = name.LastIndexOf(':');
        return colon > name.LastIndexOf('/') ? new(name[..colon], name[(colon + 1)..], digest) : new(name, null, digest);
    }

    /// <summary>Pinned: a digest, or a tag naming a full version (major.minor.patch), never "latest" or a bare major.</summary>
    public bool IsPinned => Digest is not null || (Tag is not null && FullVersion().IsMatch(Tag));

    public override string ToString() => Repository + (Tag is null ? string.Empty : ":" + Tag) + (Digest is null ? string.Empty : "@" + Digest);

    [GeneratedRegex(@"^v?\d+\.\d+\.\d+")]
    private static partial Regex FullVersion();
}
