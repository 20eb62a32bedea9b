using System.Reflection;

namespace MimmoServe.Bench.Suite;

/// <summary>Where the repository, the bundled models and the server and CLI builds of this configuration are.</summary>
internal sealed record SuitePaths(string Root, string Configuration)
{
    public string Models => Path.Combine(Root, "models");

    public string ServerDll => Build("MimmoServe.Server", "MimmoServe.Server.dll");

    public string CliDll => Build("MimmoServe.Cli", "mimmo.dll");

    public string BenchFolder => Path.Combine(Root, "bench");

    public static SuitePaths Locate()
    {
        var configuration = typeof(SuitePaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "Configuration")?.Value ?? "Release";
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MimmoServe.sln")))
            {
                return new SuitePaths(directory.FullName, configuration);
            }
        }

        throw new InvalidOperationException("MimmoServe.sln not found above " + AppContext.BaseDirectory);
    }

    private string Build(string project, string dll)
    {
        var path = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: build the suite with dotnet run -c {Configuration} --project bench/MimmoServe.Bench.Suite.", path);
    }
}
