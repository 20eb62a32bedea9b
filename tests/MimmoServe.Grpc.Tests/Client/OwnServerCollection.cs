namespace MimmoServe.Grpc.Tests.Client;

/// <summary>Client tests against our own server run one at a time: some compare its counters.</summary>
[CollectionDefinition(Name)]
public sealed class OwnServerCollection : ICollectionFixture<OwnServerFixture>
{
    public const string Name = "MimmoServe gRPC server";
}
