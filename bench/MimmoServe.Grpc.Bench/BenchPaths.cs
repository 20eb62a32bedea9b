namespace MimmoServe.Grpc.Bench;

/// <summary>Files of the repository this bench runs from, found upwards from its binaries.</summary>
internal static class BenchPaths
{
    public static string Root { get; } = FindRoot();

    public static string PythonDir => Path.Combine(Root, "tests", "interop", "python");

    public static string EchoServerScript => Path.Combine(PythonDir, "echo_server.py");

    public static string BenchClientScript => Path.Combine(PythonDir, "bench_client.py");

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
