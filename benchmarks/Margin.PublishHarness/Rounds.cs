using System.Globalization;

namespace Margin.PublishHarness;

/// <summary>One way of publishing: prepared and checked outside the timing, run inside it.</summary>
/// <param name="Name">What the report calls it.</param>
/// <param name="Prepare">Untimed: build messages, slice calls, open what the run needs.</param>
/// <param name="Run">Timed: publish every order and return when the broker accepted all.</param>
/// <param name="Finish">Untimed: check the broker holds every message, empty the queue; returns the transfers the run took.</param>
internal sealed record Variant(string Name, Func<CancellationToken, Task> Prepare, Func<CancellationToken, Task> Run, Func<CancellationToken, Task<int>> Finish);

/// <summary>Runs variants round by round (each round runs every variant once, in the order given), so slow drifts of the shared machine hit all alike.</summary>
internal static class Rounds
{
    public static async Task<IReadOnlyList<RunFigures>> RunAsync(string title, IReadOnlyList<Variant> variants, int rounds, int messages, CpuMeter meter, TextWriter output, CancellationToken cancellationToken)
    {
        var runs = new List<RunFigures>();
        await output.WriteLineAsync($"{title}: {rounds} rounds of {string.Join(", ", variants.Select(v => v.Name))}").ConfigureAwait(false);
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var variant in variants)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await variant.Prepare(cancellationToken).ConfigureAwait(false);
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var from = meter.Read();
                await variant.Run(cancellationToken).ConfigureAwait(false);
                var to = meter.Read();
                var seconds = TimeSpanBetween(from, to);
                var transfers = await variant.Finish(cancellationToken).ConfigureAwait(false);
                var run = new RunFigures(variant.Name, round, messages, seconds, CpuMeter.Between(from, to), transfers);
                runs.Add(run);
                await output.WriteLineAsync(Line(run)).ConfigureAwait(false);
            }
        }

        return runs;
    }

    public static string Line(RunFigures r) => string.Create(
        CultureInfo.InvariantCulture,
        $"  round {r.Round}  {r.Variant,-34} {r.Messages,7:N0} msgs in {r.Seconds,6:0.000} s = {r.Rate,8:N0} msg/s  transfers {r.Transfers,6:N0}  CPU cores: ours {r.Cpu.Ours:0.00}, broker {r.Cpu.Broker:0.00}, others {r.Cpu.Others:0.00}");

    /// <summary>Median rate of each variant, and each against <paramref name="reference"/> (the bare sender) in %.</summary>
    public static void Summarise(IReadOnlyList<RunFigures> runs, string? reference, TextWriter output, params (string Variant, string Reference)[] pairs)
    {
        var medians = runs.GroupBy(r => r.Variant).Select(g => (Variant: g.Key, Rate: Median(g.Select(r => r.Rate)), Runs: g.ToList())).ToList();
        var baseline = reference is null ? (double?)null : medians.Single(m => m.Variant == reference).Rate;
        output.WriteLine("  medians:");
        foreach (var (variant, rate, list) in medians)
        {
            var ratio = baseline is { } b && variant != reference ? string.Create(CultureInfo.InvariantCulture, $"  = {100 * rate / b:0.0} % of {reference}") : string.Empty;
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"    {variant,-34} {rate,8:N0} msg/s (rounds: {string.Join(" / ", list.Select(r => r.Rate.ToString("N0", CultureInfo.InvariantCulture)))}; transfers {list[0].Transfers:N0}; CPU ours {Median(list.Select(r => r.Cpu.Ours)):0.00}, broker {Median(list.Select(r => r.Cpu.Broker)):0.00}, others {Median(list.Select(r => r.Cpu.Others)):0.00} cores; CPU per message: ours {Median(list.Select(r => r.Cpu.Ours * r.Seconds * 1e6 / r.Messages)):0.0} us, broker {Median(list.Select(r => r.Cpu.Broker * r.Seconds * 1e6 / r.Messages)):0.0} us){ratio}"));
        }

        if (baseline is { } bare)
        {
            // Ratio per round as well (each round's variants ran back to back).
            foreach (var variant in medians.Select(m => m.Variant).Where(v => v != reference))
            {
                var perRound = runs.Where(r => r.Variant == variant).Select(r => 100 * r.Rate / runs.Single(b => b.Variant == reference && b.Round == r.Round).Rate);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {variant} / {reference} per round: {string.Join(" / ", perRound.Select(p => p.ToString("0.0", CultureInfo.InvariantCulture) + " %"))}"));
            }

            _ = bare;
        }

        foreach (var (variant, against) in pairs)
        {
            var perRound = runs.Where(r => r.Variant == variant).Select(r => 100 * r.Rate / runs.Single(b => b.Variant == against && b.Round == r.Round).Rate).ToList();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {variant} / {against}: medians {100 * medians.Single(m => m.Variant == variant).Rate / medians.Single(m => m.Variant == against).Rate:0.0} %; per round {string.Join(" / ", perRound.Select(p => p.ToString("0.0", CultureInfo.InvariantCulture) + " %"))}"));
        }
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double TimeSpanBetween(CpuMeter.Reading from, CpuMeter.Reading to) => System.Diagnostics.Stopwatch.GetElapsedTime(from.Timestamp, to.Timestamp).TotalSeconds;
}
