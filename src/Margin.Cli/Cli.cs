using System.CommandLine;
using Margin.Cli.Commands;
using Margin.Cli.Output;

namespace Margin.Cli;

/// <summary>The <c>margin</c> command line, runnable in-process: the executable and the tests call the same entry point.</summary>
internal static class Cli
{
    /// <summary>Runs the command line with stdout treated as redirected (plain text, fixed width).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default) =>
        RunAsync(args, stdout, stderr, TerminalProfile.Redirected, cancellationToken);

    /// <summary>Runs the command line and returns the process exit code (see <see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TerminalProfile terminal, CancellationToken cancellationToken = default)
    {
        var io = new CommandIo(stdout, stderr, terminal);
        var root = new RootCommand("margin: the MarginFunctions command line (multi-asset crypto margin engine).");
        root.Subcommands.Add(EvaluateCommand.Create(io));
        root.Subcommands.Add(DemoCommand.Create(io));
        root.Subcommands.Add(PresetsCommand.Create(io));
        root.Subcommands.Add(AccountsCommand.Create(io));
        root.Subcommands.Add(SeedCommand.Create(io));
        root.Subcommands.Add(SweepCommand.Create(io));
        root.Subcommands.Add(SweepsCommand.Create(io));
        root.Subcommands.Add(ParamsCommand.Create(io));
        root.Subcommands.Add(OrdersCommand.Create(io));
        var parseResult = root.Parse(args);
        return await parseResult.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, cancellationToken).ConfigureAwait(false);
    }
}
