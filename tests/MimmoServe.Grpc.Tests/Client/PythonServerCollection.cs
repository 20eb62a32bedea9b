namespace MimmoServe.Grpc.Tests.Client;

/// <summary>Tests against the shared Python reference server run one at a time: some compare its counters.</summary>
[CollectionDefinition(Name)]
public sealed class PythonServerCollection : ICollectionFixture<PythonServerFixture>
{
    public const string Name = "Python grpcio reference server";
}
