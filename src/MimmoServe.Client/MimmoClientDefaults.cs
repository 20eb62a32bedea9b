namespace MimmoServe.Client;

/// <summary>Names and defaults shared by the client and the CLI.</summary>
public static class MimmoClientDefaults
{
    /// <summary>The server address when none is given.</summary>
    public const string Address = "localhost:50051";

    /// <summary>The environment variable the CLI reads the address from.</summary>
    public const string AddressVariable = "MIMMO_ADDRESS";

    /// <summary>The environment variable the CLI reads the bearer token from.</summary>
    public const string TokenVariable = "MIMMO_TOKEN";

    /// <summary>The header that carries the bearer token.</summary>
    public const string AuthorizationHeader = "authorization";

    /// <summary><c>host:port</c> becomes <c>http://host:port</c>; an <c>http://</c> or <c>https://</c> URI stays.</summary>
    /// <exception cref="ArgumentException">Not an address.</exception>
    public static Uri ToUri(string address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        var text = address.Contains("://", StringComparison.Ordinal) ? address : "http://" + address;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.IsDefaultPort && !address.Contains("://", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{address}' is not a server address: use host:port, http://host:port or https://host:port.", nameof(address));
        }

        return uri;
    }
}
