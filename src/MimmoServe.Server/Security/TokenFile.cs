using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace MimmoServe.Server.Security;

/// <summary>
/// The bearer tokens file (<c>--auth-tokens-file</c>): one token per line, optionally followed by whitespace and the
/// models it may use, separated by commas (spaces after a comma are allowed); no list or <c>*</c> means every model. Blank lines and lines starting with
/// <c>#</c> are ignored. A token is at least <see cref="MinimumTokenLength"/> visible ASCII characters (it travels in
/// an HTTP header); tokens are unique.
/// <code>
/// # operators
/// 9f3c1e7a0b2d4c6e8f1a3b5c7d9e0f21
/// # the shop front may only ask two models
/// 4d6e8f0a2b4c6d8e0f1a2b3c4d5e6f70   fashion-mimmo,fashion-single
/// </code>
/// </summary>
internal static class TokenFile
{
    public const int MinimumTokenLength = 16;

    /// <summary>The permission bits that let users other than the file's owner read or change it.</summary>
    public const UnixFileMode SharedBits = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    /// <summary>
    /// Reads and parses <paramref name="path"/>; warns on <paramref name="logger"/> when the file's mode lets its group or
    /// everyone read or change it (the tokens are credentials: <c>chmod 600</c>). A warning, not a refusal: the file is
    /// still the operator's choice, and a refusal at start-up would turn a permission slip into an outage.
    /// </summary>
    /// <exception cref="FormatException">A line is not a token with an optional model list, or no token is given.</exception>
    public static IReadOnlyList<TokenGrant> Load(string path, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var grants = Parse(File.ReadAllLines(path), path);
        if (!OperatingSystem.IsWindows() && SharedPermissions(path) is { } shared)
        {
            SecurityLog.TokenFileShared(logger, path, Convert.ToString((int)File.GetUnixFileMode(path), 8).PadLeft(3, '0'), shared);
        }

        return grants;
    }

    /// <summary>The bits of <see cref="SharedBits"/> set on <paramref name="path"/>; null when none is, or on Windows (no mode bits).</summary>
    public static UnixFileMode? SharedPermissions(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        var shared = File.GetUnixFileMode(path) & SharedBits;
        return shared == UnixFileMode.None ? null : shared;
    }

    public static IReadOnlyList<TokenGrant> Parse(IReadOnlyList<string> lines, string fileName)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var grants = new List<TokenGrant>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var where = $"{fileName} line {i + 1}";
            var split = line.IndexOfAny([' ', '\t']);
            var token = split < 0 ? line : line[..split];
            var models = split < 0 ? null : line[split..].Trim();
            if (token.Length < MinimumTokenLength || !token.All(c => c is > ' ' and <= '~'))
            {
                throw new FormatException($"{where}: a token must be at least {MinimumTokenLength} visible ASCII characters.");
            }

            if (!seen.Add(token))
            {
                throw new FormatException($"{where}: the same token is listed twice.");
            }

            grants.Add(new TokenGrant(Hash(token), models is null ? null : ParseModels(models, where), $"line {i + 1}"));
        }

        if (grants.Count == 0)
        {
            throw new FormatException($"{fileName} holds no token, so every call would be refused.");
        }

        return grants;
    }

    /// <summary>SHA-256 of the token's UTF-8: every stored and presented token is compared as 32 bytes, in constant time.</summary>
    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static HashSet<string>? ParseModels(string list, string where)
    {
        if (list == "*")
        {
            return null;
        }

        var models = list.Split(',', StringSplitOptions.TrimEntries);
        if (models.Any(m => m.Length == 0 || m == "*" || m.Any(char.IsWhiteSpace)))
        {
            throw new FormatException($"{where}: the model list '{list}' must be names separated by commas, or '*' alone for every model.");
        }

        return new HashSet<string>(models, StringComparer.Ordinal);
    }
}
