using MimmoServe.Grpc.Health;
using MimmoServe.Grpc.Server;
using MimmoServe.Protocol;

namespace MimmoServe.Server.Security;

/// <summary>
/// Keeps health from telling a caller without a token which models exist. With tokens on, a per-model name
/// (<c>mimmo.v1.Inference/&lt;model&gt;</c>) is answered with the status of <c>mimmo.v1.Inference</c> itself, whether the
/// model exists or not, unless the call carries a known token that may use that model: then it gets the model's own
/// status (NOT_FOUND for a model that is not served). The health spec leaves name matching to the service owner. Other
/// names ("", mimmo.v1.Inference, grpc.health.v1.Health) and every name with tokens off match exactly, as before.
/// </summary>
internal sealed class HealthNameGuard : IHealthNameResolver
{
    private static readonly string ModelPrefix = InferenceMethods.ServiceName + "/";

    private readonly CallAccess _access;

    public HealthNameGuard(CallAccess access)
    {
        _access = access;
    }

    public string Resolve(string requested, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requested);
        if (!_access.Enabled || !requested.StartsWith(ModelPrefix, StringComparison.Ordinal))
        {
            return requested;
        }

        var grant = _access.TryAuthenticate(context);
        return grant is not null && grant.Allows(requested[ModelPrefix.Length..]) ? requested : InferenceMethods.ServiceName;
    }
}
