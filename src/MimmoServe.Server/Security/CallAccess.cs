using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimmoServe.Grpc.Server;
using MimmoServe.Server.Configuration;
using MimmoServe.Server.Hosting;

namespace MimmoServe.Server.Security;

/// <summary>
/// Bearer-token authentication and per-model authorization of mimmo.v1.Inference calls. Off (every call allowed)
/// unless Mimmo:AuthTokensFile is set; the file is read once at start-up. Health and reflection do not come here, so
/// Kubernetes probes and grpcurl need no token.
/// <para>The presented token is hashed and compared with every stored hash by
/// <see cref="CryptographicOperations.FixedTimeEquals"/>, without stopping at a match, so the time taken says nothing
/// about which token, or how much of one, matched.</para>
/// </summary>
internal sealed class CallAccess
{
    public const string AuthorizationHeader = "authorization";
    public const string BearerScheme = "Bearer ";

    private readonly IReadOnlyList<TokenGrant>? _grants;
    private readonly ILogger _logger;

    public CallAccess(IOptions<MimmoServerOptions> options, ILogger<CallAccess> logger)
    {
        _logger = logger;
        if (options.Value.AuthTokensFile is { } path)
        {
            // Validated at start-up (SecuritySettings), so a bad file never gets this far.
            _grants = TokenFile.Load(path, logger);
            SecurityLog.AuthenticationOn(logger, _grants.Count, path);
        }
    }

    public bool Enabled => _grants is not null;

    /// <summary>The grant of the call's bearer token; <see cref="TokenGrant.Everything"/> when authentication is off.</summary>
    /// <exception cref="AccessDeniedException">Unauthenticated: no token, or an unknown one.</exception>
    public TokenGrant Authenticate(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_grants is null)
        {
            return TokenGrant.Everything;
        }

        var header = context.RequestHeaders.GetValue(AuthorizationHeader);
        if (header is null || !header.StartsWith(BearerScheme, StringComparison.OrdinalIgnoreCase) || header.Length == BearerScheme.Length)
        {
            throw Refuse(context, AccessFailure.Unauthenticated, "This server needs a bearer token: send the header 'authorization: Bearer <token>'.");
        }

        var presented = TokenFile.Hash(header[BearerScheme.Length..].Trim());
        TokenGrant? match = null;
        foreach (var grant in _grants)
        {
            if (CryptographicOperations.FixedTimeEquals(presented, grant.Hash))
            {
                match = grant;
            }
        }

        return match ?? throw Refuse(context, AccessFailure.Unauthenticated, "The bearer token is not known to this server.");
    }

    /// <summary>Checks that <paramref name="grant"/> may use <paramref name="model"/> ("" or null: the default model).</summary>
    /// <exception cref="AccessDeniedException">PermissionDenied.</exception>
    /// <remarks>No delegate or allocation when the grant covers every model (always so with authentication off): this
    /// runs on every Predict.</remarks>
    public void Authorize(ServerCallContext context, TokenGrant grant, string? model, ModelHost host)
    {
        ArgumentNullException.ThrowIfNull(grant);
        if (grant.Models is null)
        {
            return;
        }

        var name = string.IsNullOrEmpty(model) ? host.Repository.DefaultModel?.Name ?? string.Empty : model;
        if (!grant.Allows(name))
        {
            throw Refuse(context, AccessFailure.PermissionDenied, $"This token may not use model '{name}'; it may use {string.Join(", ", grant.Models.Order(StringComparer.Ordinal))}.");
        }
    }

    private AccessDeniedException Refuse(ServerCallContext context, AccessFailure kind, string message)
    {
        SecurityLog.Refused(_logger, context.Method.FullName, kind, message);
        return new AccessDeniedException(kind, message);
    }
}
