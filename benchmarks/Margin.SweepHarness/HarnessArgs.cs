using System.Globalization;

namespace Margin.SweepHarness;

/// <summary>The benchmark harnesses' flag reading (a flag, then its value when it takes one) and repository-root lookup, shared by the sweep and publish harnesses.</summary>
/// <param name="args">The command-line arguments.</param>
internal sealed class HarnessArgs(IReadOnlyList<string> args)
{
    private int _index = -1;

    /// <summary>Every problem found so far, naming its flag.</summary>
    public List<string> Problems { get; } = [];

    /// <summary>The flag being read.</summary>
    public string Flag { get; private set; } = string.Empty;

    /// <summary>Moves to the next flag; false at the end.</summary>
    public bool Next()
    {
        if (++_index >= args.Count)
        {
            return false;
        }

        Flag = args[_index];
        return true;
    }

    /// <summary>The flag's value (the next argument), or a problem when there is none.</summary>
    public string Value()
    {
        if (_index + 1 >= args.Count)
        {
            Problems.Add($"{Flag} needs a value");
            return string.Empty;
        }

        return args[++_index];
    }

    /// <summary>The flag's value as an integer in [<paramref name="min"/>, <paramref name="max"/>], or a problem (and <paramref name="min"/>).</summary>
    public int Int(int min, int max)
    {
        var text = Value();
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
        {
            Problems.Add(string.Create(CultureInfo.InvariantCulture, $"{Flag} must be an integer in [{min}, {max}] (got '{text}')"));
            return min;
        }

        return n;
    }

    /// <summary>Records the flag as unknown and leaves the options as they are.</summary>
    public T Unknown<T>(T options)
    {
        Problems.Add($"unknown flag '{Flag}' (--help lists them)");
        return options;
    }

    /// <summary>The repository root: the first folder above the current directory, then above the executable, holding MarginFunctions.sln and <paramref name="marker"/> (a path relative to it).</summary>
    public static string? FindRoot(string marker)
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "MarginFunctions.sln")) && File.Exists(Path.Combine(dir.FullName, marker)))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }
}
