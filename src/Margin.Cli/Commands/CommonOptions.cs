using System.CommandLine;

namespace Margin.Cli.Commands;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    public static Option<string> Output()
    {
        var option = new Option<string>("--output", "-o")
        {
            Description = "table (for people) or json (the versioned contract of docs/evaluate.md, for scripts)",
            DefaultValueFactory = _ => "table",
        };
        option.AcceptOnlyFromAmong("table", "json");
        return option;
    }

    public static OutputFormat Parse(string? value) =>
        string.Equals(value, "json", StringComparison.OrdinalIgnoreCase) ? OutputFormat.Json : OutputFormat.Table;
}
