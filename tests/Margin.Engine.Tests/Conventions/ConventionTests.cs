using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Margin.Engine.Evaluation;

namespace Margin.Engine.Tests.Conventions;

/// <summary>STYLE.md 15: conventions nobody can break. Value types and results are immutable; nothing reads the system clock.</summary>
public partial class ConventionTests
{
    private static readonly string[] s_immutableNamespaces =
    [
        "Margin.Engine.Domain",
        "Margin.Engine.Accounts",
        "Margin.Engine.Instruments",
        "Margin.Engine.Prices",
        "Margin.Engine.Parameters",
        "Margin.Engine.Results",
        "Margin.Engine.Oracles",
        "Margin.Engine.Statistics",
        "Margin.Engine.Pricing",
        "Margin.Engine.Portfolio",
        "Margin.Engine.Methodologies",
        "Margin.Engine.Stress",
    ];

    public static TheoryData<string> ImmutableNamespaces => [.. s_immutableNamespaces];

    [Theory]
    [MemberData(nameof(ImmutableNamespaces))]
    public void PublicTypes_InValueNamespaces_AreImmutable(string ns)
    {
        var types = EngineTypes().Where(t => t.Namespace == ns).ToArray();
        var violations = new List<string>();

        foreach (var type in types)
        {
            // Members declared by the engine only: System.Exception's HelpLink and Source are the BCL's business.
            const BindingFlags declared = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var property in type.GetProperties(declared))
            {
                if (property.SetMethod is { IsPublic: true } setter && !IsInitOnly(setter))
                {
                    violations.Add($"{type.FullName}.{property.Name} has a public setter");
                }

                if (property.PropertyType.IsArray || IsMutableCollection(property.PropertyType))
                {
                    violations.Add($"{type.FullName}.{property.Name} exposes a mutable {property.PropertyType.Name}");
                }
            }

            if (!type.IsEnum)
            {
                foreach (var field in type.GetFields(declared))
                {
                    if (!field.IsInitOnly && !field.IsLiteral)
                    {
                        violations.Add($"{type.FullName}.{field.Name} is a public mutable field");
                    }
                }
            }
        }

        Assert.NotEmpty(types);
        Assert.Empty(violations);
    }

    [Fact]
    public void EngineAssembly_StaticFields_AreReadOnlyAndImmutable()
    {
        // "No static mutable state": every static field of every engine type, public or not, nested or not, is a
        // constant or a readonly field of an immutable type (no arrays or mutable collections behind a readonly field).
        var violations = StaticStateViolations(typeof(MarginModel).Assembly.GetTypes());

        Assert.Empty(violations);
    }

    [Fact]
    public void StaticStateCheck_MutableStatics_AreCaught()
    {
        var violations = StaticStateViolations([typeof(StaticProbe)]);

        Assert.Equal(["StaticProbe.s_counter", "StaticProbe.s_buffer"], violations);
    }

    [Fact]
    public void ImmutabilityCheck_MutableType_IsCaught()
    {
        // The check itself must be able to fail.
        var setter = typeof(MutableProbe).GetProperty(nameof(MutableProbe.Value))!.SetMethod!;
        var init = typeof(MutableProbe).GetProperty(nameof(MutableProbe.Fixed))!.SetMethod!;

        Assert.False(IsInitOnly(setter));
        Assert.True(IsInitOnly(init));
        Assert.True(IsMutableCollection(typeof(List<int>)));
    }

    [Fact]
    public void SourceFiles_InSrc_NeverReadTheSystemClock()
    {
        var src = Path.Combine(RepositoryRoot(), "src");
        var files = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToArray();

        var offenders = files
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line)))
            .Where(l => SystemClock().IsMatch(l.Text))
            .Select(l => $"{Path.GetRelativePath(src, l.File)}:{l.Line}: {l.Text.Trim()}")
            .ToArray();

        Assert.NotEmpty(files);
        Assert.Empty(offenders);
    }

    [Theory]
    [InlineData("var now = DateTime.UtcNow;", true)]
    [InlineData("var now = DateTimeOffset.Now;", true)]
    [InlineData("x = System.DateTime.Now.Ticks;", true)]
    [InlineData("DateTimeOffset . UtcNow", true)]
    [InlineData("var now = timeProvider.GetUtcNow();", false)]
    [InlineData("DateTime.Nowhere", false)]
    public void SystemClockPattern_Line_MatchesOnlyTheBannedMembers(string line, bool banned) =>
        Assert.Equal(banned, SystemClock().IsMatch(line));

    private static Type[] EngineTypes() => typeof(MarginModel).Assembly.GetExportedTypes();

    private static List<string> StaticStateViolations(IEnumerable<Type> types)
    {
        const BindingFlags statics = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        var violations = new List<string>();
        foreach (var type in types.Where(t => !t.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false)))
        {
            foreach (var field in type.GetFields(statics).Where(f => !f.IsLiteral && !f.Name.Contains('<', StringComparison.Ordinal)))
            {
                if (!field.IsInitOnly || field.FieldType.IsArray || IsMutableCollection(field.FieldType))
                {
                    violations.Add($"{type.Name}.{field.Name}");
                }
            }
        }

        return violations;
    }

    private static bool IsInitOnly(MethodInfo setter) =>
        setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit));

    private static bool IsMutableCollection(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() is var d
        && (d == typeof(List<>) || d == typeof(Dictionary<,>) || d == typeof(HashSet<>) || d == typeof(IList<>) || d == typeof(ICollection<>) || d == typeof(IDictionary<,>) || d == typeof(ISet<>));

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MarginFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        // Built with --artifacts-path outside the repository: fall back to the source location of this file.
        return Path.GetFullPath(Path.Combine(SourceDirectory(), "..", "..", ".."));
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    [GeneratedRegex(@"\bDateTime(Offset)?\s*\.\s*(Now|UtcNow)\b", RegexOptions.CultureInvariant)]
    private static partial Regex SystemClock();

#pragma warning disable CA1805, IDE0044, CS0414 // deliberately mutable statics for the check to catch
    private static class StaticProbe
    {
        private static int s_counter = 1;
        private static readonly int[] s_buffer = [1];
        private static readonly string s_fine = "fine";
        private const int Constant = 3;

        public static int Read() => s_counter + s_buffer[0] + s_fine.Length + Constant;
    }
#pragma warning restore CA1805, IDE0044, CS0414

    private sealed class MutableProbe
    {
        public int Value { get; set; }

        public int Fixed { get; init; }
    }
}
