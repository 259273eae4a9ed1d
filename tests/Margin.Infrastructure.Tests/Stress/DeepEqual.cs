using System.Collections;
using System.Globalization;
using System.Reflection;

namespace Margin.Infrastructure.Tests.Stress;

/// <summary>Compares two object graphs property by property (records, immutable collections, dictionaries), independently of any serializer, and names the first difference's path.</summary>
internal static class DeepEqual
{
    public static void Check(object? expected, object? actual, string path = "$")
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: expected {expected ?? "null"}, got {actual ?? "null"}");
            return;
        }

        var type = expected.GetType();
        if (type.IsPrimitive || type.IsEnum || expected is string or decimal or DateTimeOffset or TimeSpan or DateTime)
        {
            if (expected is double d && actual is double a)
            {
                Assert.True(d.Equals(a), $"{path}: expected {d.ToString("R", CultureInfo.InvariantCulture)}, got {a.ToString("R", CultureInfo.InvariantCulture)}");
                return;
            }

            Assert.True(expected.Equals(actual), $"{path}: expected {expected} ({type.Name}), got {actual} ({actual.GetType().Name})");
            if (expected is DateTimeOffset e && actual is DateTimeOffset t)
            {
                Assert.True(e.UtcTicks == t.UtcTicks, $"{path}: expected {e:O}, got {t:O}");
            }

            return;
        }

        if (expected is IEnumerable left && actual is IEnumerable right)
        {
            var l = Items(left);
            var r = Items(right);
            Assert.True(l.Count == r.Count, $"{path}: expected {l.Count} items, got {r.Count}");
            for (var i = 0; i < l.Count; i++)
            {
                Check(l[i], r[i], $"{path}[{i}]");
            }

            return;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract"))
        {
            Check(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
        }
    }

    private static List<object?> Items(IEnumerable items)
    {
        // A default ImmutableArray throws when enumerated: it holds nothing.
        try
        {
            return [.. items.Cast<object?>()];
        }
        catch (InvalidOperationException)
        {
            return [];
        }
        catch (NullReferenceException)
        {
            return [];
        }
    }
}
