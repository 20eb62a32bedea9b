using System.Text.Json;

namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>One Dockerfile instruction, continuation lines joined: its keyword (upper case), its arguments, its first line.</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments, int Line)
{
    /// <summary>The arguments in exec form (<c>["a", "b"]</c>), or null in shell form.</summary>
    public static IReadOnlyList<string>? ExecForm(string arguments)
    {
        var trimmed = arguments.Trim();
        return trimmed.StartsWith('[') ? JsonSerializer.Deserialize<string[]>(trimmed) : null;
    }

    /// <summary>Whitespace-separated words; double-quoted words keep their spaces and lose their quotes.</summary>
    public IReadOnlyList<string> Words()
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in Arguments)
        {
            if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (any)
                {
                    words.Add(current.ToString());
                }

                current.Clear();
                any = false;
            }
            else
            {
                current.Append(c);
                any = true;
            }
        }

        if (any)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    /// <summary>The flag <c>--name=value</c> of the instruction (FROM --platform, COPY --from), or null.</summary>
    public string? Flag(string name) =>
        Words().Where(w => w.StartsWith("--" + name + "=", StringComparison.Ordinal)).Select(w => w[(name.Length + 3)..]).FirstOrDefault();
}
