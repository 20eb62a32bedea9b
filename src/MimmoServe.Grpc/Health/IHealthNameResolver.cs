using MimmoServe.Grpc.Server;

namespace MimmoServe.Grpc.Health;

/// <summary>
/// Chooses which registered name answers a health Check or Watch, per caller. The health spec leaves the matching of
/// names to the service owner; a host uses this so that health is not an oracle of what it serves (e.g. answering every
/// per-model name with the service's status to a caller without a token). Without one, names match exactly: a name
/// not registered is NOT_FOUND (Check) or SERVICE_UNKNOWN (Watch).
/// </summary>
public interface IHealthNameResolver
{
    /// <summary>The registry name whose status answers <paramref name="requested"/> for this call.</summary>
    string Resolve(string requested, ServerCallContext context);
}
