using Margin.Cli;
using Margin.Cli.Output;

return await Cli.RunAsync(args, Console.Out, Console.Error, TerminalProfile.Detect()).ConfigureAwait(false);
