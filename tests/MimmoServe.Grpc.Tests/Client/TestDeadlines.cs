namespace MimmoServe.Grpc.Tests.Client;

internal static class TestDeadlines
{
    /// <summary>A deadline far enough for any normal call, so that a hang fails the test instead of stalling the run.</summary>
    public static DateTime Safe => DateTime.UtcNow.AddSeconds(10);
}
