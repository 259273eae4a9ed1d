using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Margin.Infrastructure.Tests.Parameters;

/// <summary>
/// A canonical text of an object graph for comparing parameter sets: every public instance property, recursively, with
/// collections in order and dictionaries by key. <c>RiskParameters</c> holds frozen dictionaries and schedules without
/// value equality, so two sets read from the same document compare equal only through such a dump.
/// </summary>
internal static class ParametersDump
{
    public static string Of(object? value)
    {
        var text = new StringBuilder();
        Write(text, value, 0);
        return text.ToString();
    }

    private static void Write(StringBuilder text, object? value, int depth)
    {
        if (depth > 32)
        {
            throw new InvalidOperationException("the object graph is deeper than 32 levels (a cycle?)");
        }

        switch (value)
        {
            case null:
                text.Append("null");
                return;
            case string s:
                text.Append('"').Append(s).Append('"');
                return;
            case IFormattable f when value.GetType().IsPrimitive || value is decimal || value is Enum || value is DateTimeOffset || value is DateTime || value is DateOnly || value is TimeSpan:
                text.Append(f.ToString(null, CultureInfo.InvariantCulture));
                return;
            case bool b:
                text.Append(b ? "true" : "false");
                return;
            case IEnumerable items:
                var list = items.Cast<object?>().ToList();
                var pairs = list.Count > 0 && list[0]?.GetType() is { IsGenericType: true } t && t.GetGenericTypeDefinition() == typeof(KeyValuePair<,>);
                if (pairs)
                {
                    list = [.. list.OrderBy(p => p!.GetType().GetProperty("Key")!.GetValue(p)?.ToString(), StringComparer.Ordinal)];
                }

                text.Append('[');
                foreach (var item in list)
                {
                    Write(text, item, depth + 1);
                    text.Append(',');
                }

                text.Append(']');
                return;
        }

        var type = value.GetType();
        text.Append(type.Name).Append('{');
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            text.Append(property.Name).Append('=');
            Write(text, property.GetValue(value), depth + 1);
            text.Append(';');
        }

        text.Append('}');
    }
}
