using Margin.Cli.Output;

namespace Margin.Cli.Commands;

/// <summary>Where a command writes: stdout for results, stderr for diagnostics, and what stdout is.</summary>
internal sealed record CommandIo(TextWriter Output, TextWriter Error, TerminalProfile Terminal);
