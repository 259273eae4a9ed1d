using System.Diagnostics.Metrics;
using Margin.Sweep.Telemetry;

namespace Margin.Sweep.Tests.Telemetry;

/// <summary>The instruments' names, kinds and units (the contract of docs/observability.md), and RecordPoison for the handler.</summary>
public sealed class SweepTelemetryTests
{
    public static TheoryData<string, Type, string> Instruments => new()
    {
        { "margin.sweep.duration", typeof(Histogram<double>), "s" },
        { "margin.sweep.overruns", typeof(Counter<long>), "{sweep}" },
        { "margin.workitem.duration", typeof(Histogram<double>), "s" },
        { "margin.workitem.throughput", typeof(Histogram<double>), "{account}/s" },
        { "margin.accounts", typeof(Counter<long>), "{account}" },
        { "margin.orders.created", typeof(Counter<long>), "{order}" },
        { "margin.orders.published", typeof(Counter<long>), "{order}" },
        { "margin.orders.publish_failures", typeof(Counter<long>), "{order}" },
        { "margin.price.age", typeof(Gauge<double>), "s" },
        { "margin.outbox.backlog", typeof(Gauge<long>), "{order}" },
        { "margin.poison", typeof(Counter<long>), "{message}" },
    };

    private static List<Instrument> Published()
    {
        var found = new List<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == SweepTelemetry.SourceName)
                {
                    lock (found)
                    {
                        found.Add(instrument);
                    }
                }
            },
        };
        _ = SweepTelemetry.Meter;
        listener.Start();
        return found;
    }

    [Theory]
    [MemberData(nameof(Instruments))]
    public void Meter_PublishesTheInstrument_WithItsKindAndUnit(string name, Type kind, string unit)
    {
        var instrument = Assert.Single(Published(), i => i.Name == name);

        Assert.IsType(kind, instrument);
        Assert.Equal(unit, instrument.Unit);
        Assert.False(string.IsNullOrWhiteSpace(instrument.Description));
    }

    [Fact]
    public void Meter_PublishesNoInstrumentOutsideTheContract()
    {
        Assert.Equal(Instruments.Select(row => (string)row[0]).Order(StringComparer.Ordinal), Published().Select(i => i.Name).Order(StringComparer.Ordinal));
        Assert.Equal(SweepTelemetry.SourceName, SweepTelemetry.ActivitySource.Name);
    }

    [Fact]
    public void RecordPoison_CountsOneOnTheQueueNamed()
    {
        using var capture = TelemetryCapture.Start();

        SweepTelemetry.RecordPoison(SweepTelemetry.ShardQueue);
        SweepTelemetry.RecordPoison("custom-queue");

        Assert.Equal(1, capture.Sum(SweepTelemetry.PoisonMetric, SweepTelemetry.QueueTag, SweepTelemetry.ShardQueue));
        Assert.Equal(1, capture.Sum(SweepTelemetry.PoisonMetric, SweepTelemetry.QueueTag, "custom-queue"));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void RecordPoison_NoQueueName_Throws(string queue)
    {
        Assert.Throws<ArgumentException>(() => SweepTelemetry.RecordPoison(queue));
    }
}
