namespace Margin.Cli.Output;

/// <summary>What the standard output is: an interactive terminal (colours, its own width) or a file or pipe (plain text at a fixed width).</summary>
/// <param name="IsTerminal">Whether stdout is an interactive terminal; when false, no ANSI sequence is written.</param>
/// <param name="Width">The width tables are laid out for.</param>
internal sealed record TerminalProfile(bool IsTerminal, int Width)
{
    /// <summary>The width used when stdout is not a terminal (CI logs, files, pipes, tests).</summary>
    public const int RedirectedWidth = 160;

    /// <summary>Plain text at <see cref="RedirectedWidth"/>: what tests and redirected runs get.</summary>
    public static TerminalProfile Redirected { get; } = new(false, RedirectedWidth);

    /// <summary>The profile of this process's console.</summary>
    public static TerminalProfile Detect()
    {
        if (Console.IsOutputRedirected)
        {
            return Redirected;
        }

        int width;
        try
        {
            width = Console.WindowWidth;
        }
        catch (IOException)
        {
            width = 0;
        }

        return new TerminalProfile(true, width >= 80 ? width : RedirectedWidth);
    }
}
