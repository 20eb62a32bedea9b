namespace MimmoServe.Grpc.Tests.Client;

/// <summary>Files of the repository the tests run from, found upwards from the test binaries.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string EchoServerScript => Path.Combine(Root, "tests", "interop", "python", "echo_server.py");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MimmoServe.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No MimmoServe.sln above {AppContext.BaseDirectory}.");
    }
}
