namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>Files of the checkout this test assembly was built in: the nearest folder above it that holds MimmoServe.sln.</summary>
internal static class RepositoryFiles
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    public static string Root => LazyRoot.Value;

    /// <summary>The full path of <paramref name="relative"/> (forward slashes) in the repository.</summary>
    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>The text of a file that must exist.</summary>
    public static string Read(string relative)
    {
        var path = PathOf(relative);
        Assert.True(File.Exists(path), $"{relative} is missing from the repository.");
        return File.ReadAllText(path);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MimmoServe.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No MimmoServe.sln above {AppContext.BaseDirectory}: the deploy tests read the repository's files.");
    }
}
