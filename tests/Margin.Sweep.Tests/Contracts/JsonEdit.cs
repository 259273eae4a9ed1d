using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Margin.Sweep.Tests.Contracts;

/// <summary>One edit of a JSON document, for negative schema tests: <c>$.a.b[0].c</c> removes the property, <c>$.a.b[0].c=VALUE</c> sets it to the JSON value.</summary>
public static partial class JsonEdit
{
    public static string Apply(string json, string change)
    {
        var eq = change.IndexOf('=', StringComparison.Ordinal);
        var path = eq < 0 ? change : change[..eq];
        var steps = Step().Matches(path).Select(m => m.Groups["name"].Success ? (object)m.Groups["name"].Value : int.Parse(m.Groups["index"].Value, CultureInfo.InvariantCulture)).ToList();
        if (!path.StartsWith('$') || steps.Count == 0 || steps[^1] is not string last)
        {
            throw new ArgumentException($"'{change}' must be $.path.to.property[=json]", nameof(change));
        }

        var root = JsonNode.Parse(json)!;
        var node = root;
        foreach (var step in steps.SkipLast(1))
        {
            node = step is int i ? node[i]! : node[(string)step]!;
        }

        var target = node.AsObject();
        if (eq < 0)
        {
            Assert.True(target.Remove(last), $"{path} is not in the document");
        }
        else
        {
            target[last] = JsonNode.Parse(change[(eq + 1)..]);
        }

        return root.ToJsonString();
    }

    [GeneratedRegex(@"\.(?<name>[A-Za-z]+)|\[(?<index>[0-9]+)\]")]
    private static partial Regex Step();
}
