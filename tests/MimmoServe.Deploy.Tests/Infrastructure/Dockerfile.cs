using System.Text;
using System.Text.RegularExpressions;

namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>
/// A Dockerfile read into its global ARGs and its stages, enough to follow a variant's stages the way BuildKit does
/// (<c>FROM name-${VARIANT}</c> with the global ARG's default or a build argument).
/// </summary>
internal sealed partial class Dockerfile
{
    private Dockerfile(IReadOnlyDictionary<string, string> globalArgs, IReadOnlyList<DockerStage> stages)
    {
        GlobalArgs = globalArgs;
        Stages = stages;
    }

    /// <summary>The ARGs before the first FROM, with their defaults (empty when none).</summary>
    public IReadOnlyDictionary<string, string> GlobalArgs { get; }

    public IReadOnlyList<DockerStage> Stages { get; }

    public static Dockerfile Load() => Parse(RepositoryFiles.Read("Dockerfile"));

    public static Dockerfile Parse(string text)
    {
        var globalArgs = new Dictionary<string, string>(StringComparer.Ordinal);
        var stages = new List<DockerStage>();
        List<DockerInstruction>? current = null;
        string? from = null;
        string? name = null;
        foreach (var instruction in Instructions(text))
        {
            if (instruction.Keyword == "FROM")
            {
                if (current is not null)
                {
                    stages.Add(new DockerStage(from!, name, current));
                }

                var words = instruction.Words().Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
                from = words[0];
                name = words.Count >= 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null;
                current = [];
            }
            else if (current is null)
            {
                Assert.True(instruction.Keyword == "ARG", $"Dockerfile line {instruction.Line}: only ARG may come before the first FROM.");
                var (argName, value) = SplitArg(instruction.Arguments);
                globalArgs[argName] = value;
            }
            else
            {
                current.Add(instruction);
            }
        }

        if (current is not null)
        {
            stages.Add(new DockerStage(from!, name, current));
        }

        return new Dockerfile(globalArgs, stages);
    }

    public DockerStage Stage(string name) =>
        Stages.SingleOrDefault(s => s.Name == name) ?? throw new Xunit.Sdk.XunitException($"The Dockerfile has no stage '{name}'.");

    /// <summary>The global ARGs with <paramref name="buildArgs"/> applied, as <c>docker build --build-arg</c> does.</summary>
    public Dictionary<string, string> Args(IReadOnlyDictionary<string, string>? buildArgs = null)
    {
        var args = new Dictionary<string, string>(GlobalArgs, StringComparer.Ordinal);
        foreach (var (key, value) in buildArgs ?? new Dictionary<string, string>())
        {
            args[key] = value;
        }

        return args;
    }

    /// <summary>
    /// The stages a stage is built on, from <paramref name="stage"/> down to the one whose FROM is an image:
    /// each FROM expanded with <paramref name="args"/> and looked up among the stage names.
    /// </summary>
    public IReadOnlyList<DockerStage> Chain(DockerStage stage, IReadOnlyDictionary<string, string> args)
    {
        var chain = new List<DockerStage> { stage };
        while (Stages.SingleOrDefault(s => s.Name == Expand(chain[^1].From, args)) is { } parent)
        {
            Assert.DoesNotContain(parent, chain);
            chain.Add(parent);
        }

        return chain;
    }

    /// <summary>The image a chain ends on (the FROM of its last stage, expanded).</summary>
    public static string BaseImage(IReadOnlyList<DockerStage> chain, IReadOnlyDictionary<string, string> args) => Expand(chain[^1].From, args);

    /// <summary>Replaces <c>${NAME}</c> and <c>$NAME</c> with the value of <paramref name="args"/> (empty when unknown).</summary>
    public static string Expand(string text, IReadOnlyDictionary<string, string> args) =>
        VariablePattern().Replace(text, m => args.TryGetValue(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value, out var v) ? v : string.Empty);

    /// <summary>The instructions of a Dockerfile: comments dropped, lines ending in a backslash joined with the next.</summary>
    private static IEnumerable<DockerInstruction> Instructions(string text)
    {
        var lines = text.Split('\n');
        var builder = new StringBuilder();
        var startLine = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.TrimStart().StartsWith('#') || (builder.Length == 0 && line.Trim().Length == 0))
            {
                continue;
            }

            if (builder.Length == 0)
            {
                startLine = i + 1;
            }

            if (line.EndsWith('\\'))
            {
                builder.Append(line, 0, line.Length - 1).Append(' ');
                continue;
            }

            builder.Append(line);
            var full = builder.ToString().Trim();
            builder.Clear();
            var space = full.IndexOfAny([' ', '\t']);
            yield return space < 0
                ? new DockerInstruction(full.ToUpperInvariant(), string.Empty, startLine)
                : new DockerInstruction(full[..space].ToUpperInvariant(), full[(space + 1)..].Trim(), startLine);
        }
    }

    private static (string Name, string Value) SplitArg(string arguments)
    {
        var equals = arguments.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? (arguments.Trim(), string.Empty) : (arguments[..equals].Trim(), arguments[(equals + 1)..].Trim().Trim('"'));
    }

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex VariablePattern();
}
