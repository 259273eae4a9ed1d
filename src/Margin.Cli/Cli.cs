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
        root.Subcommands.Add(ReportCommand.Create(io));
        root.Subcommands.Add(StressCommand.Create(io));
        var parseResult = root.Parse(args);
        try
        {
            return await parseResult.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (StorageFailure(ex) is { } failure)
        {
            // The storage account refused a request or could not be reached: say which and why, not a stack trace.
            var message = failure.Status == 0
                ? $"margin: the storage account could not be reached ({FirstLine(failure.Message)}); is Azurite running (scripts/azurite.sh start) and the connection string right?"
                : $"margin: a storage request failed (HTTP {failure.Status}{(failure.ErrorCode is null ? string.Empty : $", {failure.ErrorCode}")}): {FirstLine(failure.Message)}";
            await stderr.WriteLineAsync(message.AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Failed;
        }
    }

    // The SDK reports an unreachable service as RequestFailedException (status 0), wrapped in an AggregateException after its retries.
    private static Azure.RequestFailedException? StorageFailure(Exception ex) => ex switch
    {
        Azure.RequestFailedException direct => direct,
        AggregateException aggregate => aggregate.Flatten().InnerExceptions.Select(StorageFailure).FirstOrDefault(f => f is not null),
        _ => null,
    };

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
