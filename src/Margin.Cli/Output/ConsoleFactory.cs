using Spectre.Console;

namespace Margin.Cli.Output;

/// <summary>A Spectre console over a writer: colours and live widgets only on an interactive terminal, plain text otherwise.</summary>
internal static class ConsoleFactory
{
    public static IAnsiConsole Create(TextWriter output, TerminalProfile terminal)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(terminal);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = terminal.IsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal.IsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal.IsTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        console.Profile.Width = terminal.Width;
        return console;
    }
}
