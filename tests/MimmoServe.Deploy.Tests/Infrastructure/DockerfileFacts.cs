namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>What the repository's Dockerfile builds for each variant: the final stage's chain, user, environment, labels.</summary>
internal static class DockerfileFacts
{
    public const string TitleLabel = "org.opencontainers.image.title";
    public const string VersionLabel = "org.opencontainers.image.version";

    private static readonly Lazy<Dockerfile> LazyFile = new(Dockerfile.Load);

    public static Dockerfile File => LazyFile.Value;

    /// <summary>The global ARGs with VARIANT set to <paramref name="variant"/>.</summary>
    public static Dictionary<string, string> Args(string variant) => File.Args(new Dictionary<string, string> { [Variants.BuildArg] = variant });

    /// <summary>The final stage and the stages below it for <paramref name="variant"/>, final first.</summary>
    public static IReadOnlyList<DockerStage> FinalChain(string variant) => File.Chain(File.Stages[^1], Args(variant));

    /// <summary>The user the image runs as (the last USER of the chain, without its group).</summary>
    public static string FinalUser(string variant)
    {
        var user = FinalChain(variant).SelectMany(s => s.All("USER")).FirstOrDefault()
                   ?? throw new Xunit.Sdk.XunitException($"The {variant} image sets no USER: it would run as root.");
        return user.Arguments.Split(':')[0];
    }

    /// <summary>The ENV of the image: the chain's stages applied base first.</summary>
    public static Dictionary<string, string> FinalEnvironment(string variant)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var stage in FinalChain(variant).Reverse())
        {
            foreach (var (key, value) in stage.Environment())
            {
                environment[key] = value;
            }
        }

        return environment;
    }

    /// <summary>The LABELs of the final stage.</summary>
    public static Dictionary<string, string> Labels()
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var word in File.Stages[^1].All("LABEL").SelectMany(l => l.Words()))
        {
            var equals = word.IndexOf('=', StringComparison.Ordinal);
            labels[word[..equals]] = word[(equals + 1)..];
        }

        return labels;
    }

    /// <summary>The image name the deployment files must use for <paramref name="variant"/>: title:version-variant.</summary>
    public static string ImageName(string variant) => $"{Labels()[TitleLabel]}:{Labels()[VersionLabel]}-{variant}";
}
