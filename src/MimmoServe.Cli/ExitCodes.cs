namespace MimmoServe.Cli;

/// <summary>The CLI's exit codes.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The server answered with an error, the model is broken, or (health) the server is not serving.</summary>
    public const int Failed = 1;

    /// <summary>The server could not be reached (health: UNAVAILABLE or no answer before the deadline); bad input files.</summary>
    public const int Unreachable = 2;
}
