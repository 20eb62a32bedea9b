namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>A build stage: its FROM argument (unexpanded), its name, and its instructions after FROM.</summary>
internal sealed record DockerStage(string From, string? Name, IReadOnlyList<DockerInstruction> Instructions)
{
    public IEnumerable<DockerInstruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    /// <summary>The ENV variables the stage sets (both <c>ENV a=b c=d</c> and the legacy <c>ENV a b</c>).</summary>
    public Dictionary<string, string> Environment()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var env in All("ENV"))
        {
            var words = env.Words();
            if (words.Count >= 1 && !words[0].Contains('=', StringComparison.Ordinal))
            {
                environment[words[0]] = string.Join(' ', words.Skip(1));
                continue;
            }

            foreach (var word in words)
            {
                var equals = word.IndexOf('=', StringComparison.Ordinal);
                environment[word[..equals]] = word[(equals + 1)..];
            }
        }

        return environment;
    }

    /// <summary>The RUN commands of the stage, in order.</summary>
    public IReadOnlyList<string> Runs => All("RUN").Select(r => r.Arguments).ToList();
}
