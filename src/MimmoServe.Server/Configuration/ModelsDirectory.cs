namespace MimmoServe.Server.Configuration;

/// <summary>
/// Finds the model folder of <see cref="MimmoServerOptions.Models"/>: an absolute path as is; a relative one in the
/// current directory first, then in the repository root above the application's own folder (the nearest folder
/// holding MimmoServe.sln), so that <c>dotnet run --project src/MimmoServe.Server</c> finds <c>models/</c> from
/// anywhere in the repository.
/// </summary>
internal static class ModelsDirectory
{
    public const string RepositoryMarker = "MimmoServe.sln";

    /// <summary>The folders tried, in order; the first that exists is the model folder.</summary>
    public static IReadOnlyList<string> Candidates(string models, string currentDirectory, string applicationDirectory)
    {
        if (Path.IsPathRooted(models))
        {
            return [Path.GetFullPath(models)];
        }

        var candidates = new List<string> { Path.GetFullPath(Path.Combine(currentDirectory, models)) };
        if (FindRepositoryRoot(applicationDirectory) is { } root)
        {
            var inRepository = Path.GetFullPath(Path.Combine(root, models));
            if (!candidates.Contains(inRepository, StringComparer.Ordinal))
            {
                candidates.Add(inRepository);
            }
        }

        return candidates;
    }

    /// <summary>The first existing candidate, or null.</summary>
    public static string? Resolve(string models, string currentDirectory, string applicationDirectory) =>
        Candidates(models, currentDirectory, applicationDirectory).FirstOrDefault(Directory.Exists);

    /// <summary><see cref="Resolve(string, string, string)"/> from the process's current directory and <see cref="AppContext.BaseDirectory"/>.</summary>
    public static string? Resolve(string models) => Resolve(models, Environment.CurrentDirectory, AppContext.BaseDirectory);

    public static IReadOnlyList<string> Candidates(string models) => Candidates(models, Environment.CurrentDirectory, AppContext.BaseDirectory);

    internal static string? FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, RepositoryMarker)))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
