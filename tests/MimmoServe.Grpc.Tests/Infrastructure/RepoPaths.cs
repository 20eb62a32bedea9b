namespace MimmoServe.Grpc.Tests.Infrastructure;

/// <summary>Finds the repository from the test binaries (no absolute paths in tracked files).</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string InteropDir => Path.Combine(Root, "tests", "interop");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MimmoServe.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"MimmoServe.sln not found above {AppContext.BaseDirectory}.");
    }
}
