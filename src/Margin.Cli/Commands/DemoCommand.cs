using System.CommandLine;

namespace Margin.Cli.Commands;

/// <summary><c>margin demo</c>: evaluates the shipped example book and prints it (a full sweep replaces this in a later issue).</summary>
internal static class DemoCommand
{
    /// <summary>The book, relative to the repository root and to the executable's directory (the csproj copies it there).</summary>
    public const string BookPath = "examples/evaluate-book.json";

    public static Command Create(CommandIo io)
    {
        var output = CommonOptions.Output();
        var command = new Command("demo", $"Evaluate the shipped example book ({BookPath}) and print the results.")
        {
            output,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            if (FindBook() is not { } book)
            {
                await io.Error.WriteLineAsync($"margin demo: {BookPath} was found neither beside the executable ({AppContext.BaseDirectory}) nor above the current directory".AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            var title = $"margin demo: {BookPath}, evaluated in standard mode";
            return await EvaluateCommand.RunAsync(book, CommonOptions.Parse(parseResult.GetValue(output)), io, title, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>The book beside the executable, else in the nearest directory above the current one that has it.</summary>
    public static FileInfo? FindBook()
    {
        var beside = new FileInfo(Path.Combine(AppContext.BaseDirectory, BookPath));
        if (beside.Exists)
        {
            return beside;
        }

        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = new FileInfo(Path.Combine(dir.FullName, BookPath));
            if (candidate.Exists)
            {
                return candidate;
            }
        }

        return null;
    }
}
