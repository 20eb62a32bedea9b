namespace MimmoServe.Grpc.Protocol;

/// <summary>Key and value rules of gRPC metadata: keys are 0-9 a-z _ - . (upper case is folded); text values are printable ASCII.</summary>
internal static class MetadataKey
{
    public static string Normalize(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var lower = key.ToLowerInvariant();
        foreach (var c in lower)
        {
            if (!IsKeyChar(c))
            {
                throw new ArgumentException($"Metadata key '{key}' has the character '{c}'; allowed are 0-9 a-z _ - .", nameof(key));
            }
        }

        return lower;
    }

    public static void ValidateTextValue(string key, string value)
    {
        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                throw new ArgumentException($"Metadata value of '{key}' has a character outside printable ASCII; use a '-bin' key for bytes.", nameof(value));
            }
        }
    }

    /// <summary>Decodes a <c>-bin</c> header value: padded or unpadded base64 (the spec requires accepting both).</summary>
    public static byte[] DecodeBinary(string wireValue)
    {
        var trimmed = wireValue.Trim();
        var padding = (4 - (trimmed.Length % 4)) % 4;
        if (padding == 3)
        {
            throw new FormatException("A base64 value cannot have a length of 4n+1.");
        }

        return Convert.FromBase64String(padding == 0 ? trimmed : trimmed + new string('=', padding));
    }

    private static bool IsKeyChar(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.';
}
