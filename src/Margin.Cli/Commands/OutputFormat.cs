namespace Margin.Cli.Commands;

/// <summary>How results are written to stdout.</summary>
internal enum OutputFormat
{
    /// <summary>Tables for people (Spectre.Console).</summary>
    Table,

    /// <summary>The versioned JSON document of docs/evaluate.md, for scripts.</summary>
    Json,
}
