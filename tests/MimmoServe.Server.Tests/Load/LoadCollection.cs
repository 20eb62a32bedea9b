namespace MimmoServe.Server.Tests.Load;

/// <summary>
/// The load tests measure the machine: they run one at a time, after the other tests of this project, so that none
/// of them measures another's load (xUnit runs a collection with parallelization disabled alone).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoadCollection
{
    public const string Name = "Load";
}
