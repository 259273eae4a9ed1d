namespace Margin.Cli.Commands;

/// <summary>The process exit codes of the <c>margin</c> command (docs/evaluate.md).</summary>
internal static class ExitCodes
{
    /// <summary>Everything asked for was done: every account was evaluated.</summary>
    public const int Success = 0;

    /// <summary>The command line itself is wrong (unknown command or option, missing <c>--input</c>); System.CommandLine's code.</summary>
    public const int Usage = 1;

    /// <summary>The input is unusable (missing file, not JSON, bad schemaVersion, inconsistent parameters) or at least one account could not be evaluated.</summary>
    public const int InvalidInput = 2;

    /// <summary>A service the command needs failed (the storage account refused a request or could not be reached).</summary>
    public const int Failed = 3;
}
