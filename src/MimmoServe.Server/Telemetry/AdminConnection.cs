namespace MimmoServe.Server.Telemetry;

/// <summary>A connection feature: set on the admin listener's connections, absent on the gRPC port's.</summary>
internal sealed class AdminConnection
{
    public static readonly AdminConnection Instance = new();

    private AdminConnection()
    {
    }
}
