using Spectre.Console;

namespace MimmoServe.Cli;

/// <summary>
/// Where a command writes and what it reads from its surroundings, so that tests run the commands in-process with
/// captured output and their own environment.
/// </summary>
internal sealed class CliContext
{
    public CliContext(IAnsiConsole console, TextWriter output, TextWriter error, Func<string, string?> environment)
    {
        Console = console;
        Output = output;
        Error = error;
        Environment = environment;
    }

    /// <summary>Tables and progress.</summary>
    public IAnsiConsole Console { get; }

    /// <summary>Plain text (JSON), written as is.</summary>
    public TextWriter Output { get; }

    /// <summary>Error messages.</summary>
    public TextWriter Error { get; }

    public Func<string, string?> Environment { get; }

    public static CliContext FromProcess() =>
        System.Console.IsOutputRedirected
            ? ForWriters(System.Console.Out, System.Console.Error, System.Environment.GetEnvironmentVariable)
            : new(AnsiConsole.Console, System.Console.Out, System.Console.Error, System.Environment.GetEnvironmentVariable);

    /// <summary>
    /// A context writing plain text (no colours, no live display) to <paramref name="output"/>, 120 columns wide: for
    /// redirected output, where Spectre would assume 80, and for tests.
    /// </summary>
    public static CliContext ForWriters(TextWriter output, TextWriter error, Func<string, string?> environment)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 120;
        return new CliContext(console, output, error, environment);
    }
}
