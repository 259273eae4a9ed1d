using System.Globalization;

namespace MarginFunctions.Hosting;

/// <summary>The handler's own settings (section <c>Functions</c>; environment <c>MARGIN_Functions__*</c>).</summary>
internal sealed record FunctionsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Functions";

    /// <summary>host.json's <c>extensions.queues.maxDequeueCount</c>: the attempt after which the host poisons a failing work item (for logs and the poison count).</summary>
    public int MaxDequeueCount { get; init; } = 5;

    /// <summary>The <c>liquidation-events</c> queue's <c>maxDeliveryCount</c> (infra/main.bicep): the delivery after which Service Bus dead-letters a refused event (for logs and the poison count).</summary>
    public int MaxDeliveryCount { get; init; } = 10;

    /// <summary>The largest invocation or HTTP request body accepted, in bytes (a larger one is refused with 413).</summary>
    public long MaxRequestBytes { get; init; } = 1024 * 1024;

    /// <summary>The largest <c>POST evaluate</c> body, in bytes (a snapshot, parameters and a book of accounts).</summary>
    public long MaxEvaluateBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>How many history rows <c>GET accounts/{id}/margin</c> returns by default (<c>?history=N</c>, at most 500).</summary>
    public int DefaultHistory { get; init; } = 20;

    /// <summary>How long a health probe waits for each dependency.</summary>
    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Where telemetry goes: <c>auto</c> (Azure Monitor when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set, else the console), <c>azuremonitor</c>, <c>console</c> or <c>none</c>.</summary>
    public string Telemetry { get; init; } = "auto";

    /// <summary>Every problem, naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (MaxDequeueCount is < 1 or > 100)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{Section}:MaxDequeueCount must be in [1, 100] (got {MaxDequeueCount})"));
        }

        if (MaxDeliveryCount is < 1 or > 2000)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{Section}:MaxDeliveryCount must be in [1, 2000] (got {MaxDeliveryCount})"));
        }

        if (MaxRequestBytes is < 1024 or > 100 * 1024 * 1024 || MaxEvaluateBytes is < 1024 or > 100 * 1024 * 1024)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{Section}:MaxRequestBytes and {Section}:MaxEvaluateBytes must be between 1 KiB and 100 MiB (got {MaxRequestBytes} and {MaxEvaluateBytes})"));
        }

        if (DefaultHistory is < 1 or > 500)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{Section}:DefaultHistory must be in [1, 500] (got {DefaultHistory})"));
        }

        if (HealthTimeout <= TimeSpan.Zero || HealthTimeout > TimeSpan.FromMinutes(1))
        {
            problems.Add($"{Section}:HealthTimeout must be positive and at most a minute (got {HealthTimeout})");
        }

        if (Telemetry.ToUpperInvariant() is not ("AUTO" or "AZUREMONITOR" or "CONSOLE" or "NONE"))
        {
            problems.Add($"{Section}:Telemetry must be auto, azuremonitor, console or none (got '{Telemetry}')");
        }

        return problems;
    }
}
