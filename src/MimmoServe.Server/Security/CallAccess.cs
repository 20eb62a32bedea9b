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
/// Kubernetes probes and grpcurl need no token. The token is checked from the headers alone, by
/// <see cref="InferenceCallGate"/> before the request body is read (<see cref="Admit"/>); the handler then authorizes
/// the model the request names with the grant kept on the call (<see cref="GrantOf"/>).
/// <para>The presented token is hashed and compared with every stored hash by
/// <see cref="CryptographicOperations.FixedTimeEquals"/>, without stopping at a match, so the time taken says nothing
/// about which token, or how much of one, matched.</para>
/// </summary>
internal sealed class CallAccess
{
    public const string AuthorizationHeader = "authorization";
    public const string BearerScheme = "Bearer ";

    // The key of the call's grant in ServerCallContext.UserState; private, so no other code can set a grant.
    private static readonly object GrantKey = new();

    private readonly IReadOnlyList<TokenGrant>? _grants;
    private readonly ILogger _logger;

    // The start-up warm-up's grant (Hosting/CallPathWarmup): the hash of a random token this process never shows,
    // accepted between BeginWarmup and EndWarmup only; null otherwise.
    private volatile TokenGrant? _warmup;

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

    /// <summary>
    /// A one-off bearer token for the server's own warm-up calls, accepted for every model until <see cref="EndWarmup"/>;
    /// null when authentication is off (no token needed). 32 random bytes; only its hash is kept here.
    /// </summary>
    public string? BeginWarmup()
    {
        if (_grants is null)
        {
            return null;
        }

        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        _warmup = new TokenGrant(TokenFile.Hash(token), null, "the start-up warm-up");
        return token;
    }

    /// <summary>From now on the warm-up's token is unknown, like any other.</summary>
    public void EndWarmup() => _warmup = null;

    /// <summary>Authenticates the call from its headers and keeps its grant on the call for <see cref="GrantOf"/>.</summary>
    /// <exception cref="AccessDeniedException">Unauthenticated: no token, or an unknown one.</exception>
    public void Admit(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_grants is not null)
        {
            context.UserState[GrantKey] = Authenticate(context);
        }
    }

    /// <summary>The grant <see cref="Admit"/> kept on the call; authenticates now if none was kept (fails closed).</summary>
    /// <exception cref="AccessDeniedException">Unauthenticated: no token, or an unknown one.</exception>
    public TokenGrant GrantOf(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_grants is null)
        {
            return TokenGrant.Everything;
        }

        return context.UserState.TryGetValue(GrantKey, out var kept) && kept is TokenGrant grant ? grant : Authenticate(context);
    }

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
        if (!HasBearer(header))
        {
            throw Refuse(context, AccessFailure.Unauthenticated, "This server needs a bearer token: send the header 'authorization: Bearer <token>'.");
        }

        return Match(header!) ?? throw Refuse(context, AccessFailure.Unauthenticated, "The bearer token is not known to this server.");
    }

    /// <summary>The grant of the call's bearer token, or null when it has none or an unknown one; nothing is logged. Everything when off.</summary>
    public TokenGrant? TryAuthenticate(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_grants is null)
        {
            return TokenGrant.Everything;
        }

        var header = context.RequestHeaders.GetValue(AuthorizationHeader);
        return HasBearer(header) ? Match(header!) : null;
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

    private static bool HasBearer(string? header) =>
        header is not null && header.StartsWith(BearerScheme, StringComparison.OrdinalIgnoreCase) && header.Length > BearerScheme.Length;

    private TokenGrant? Match(string header)
    {
        var presented = TokenFile.Hash(header[BearerScheme.Length..].Trim());
        TokenGrant? match = null;
        foreach (var grant in _grants!)
        {
            if (CryptographicOperations.FixedTimeEquals(presented, grant.Hash))
            {
                match = grant;
            }
        }

        if (_warmup is { } warmup && CryptographicOperations.FixedTimeEquals(presented, warmup.Hash))
        {
            match = warmup;
        }

        return match;
    }

    private AccessDeniedException Refuse(ServerCallContext context, AccessFailure kind, string message)
    {
        SecurityLog.Refused(_logger, context.Method.FullName, kind, message);
        return new AccessDeniedException(kind, message);
    }
}
