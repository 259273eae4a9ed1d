using Margin.Cli.Hosting;

namespace Margin.Cli.Tests;

/// <summary>Tests that set process environment variables: alone, after every parallel test, so no other test sees them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentGroup
{
    public const string Name = "environment";
}

[Collection(EnvironmentGroup.Name)]
public sealed class ServiceBusEnvironmentTests
{
    private const string Emulator = "Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;";

    [Fact]
    public void Load_ConnectionStringFromEnvironment_ConfiguresServiceBus_AndAFlagWins()
    {
        using var env = new EnvironmentVariables(("MARGIN_ServiceBus__ConnectionString", Emulator), ("MARGIN_ServiceBus__OrdersQueue", "from-env"));

        var settings = MarginSettings.Load(new Dictionary<string, string?> { ["Storage:ConnectionString"] = "UseDevelopmentStorage=true" });
        Assert.True(settings.ServiceBus.IsConfigured);
        Assert.Equal(Emulator, settings.ServiceBus.ConnectionString);
        Assert.Equal("from-env", settings.ServiceBus.OrdersQueue);

        var flagged = MarginSettings.LoadServiceBus(new Dictionary<string, string?> { ["ServiceBus:ConnectionString"] = Emulator.Replace("localhost", "other", StringComparison.Ordinal) });
        Assert.Contains("sb://other", flagged.ConnectionString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrdersTail_BadConnectionStringFromEnvironment_NamesTheSettingWithoutTheKey()
    {
        using var env = new EnvironmentVariables(("MARGIN_ServiceBus__ConnectionString", "Endpoint=http://ns/;SharedAccessKeyName=k;SharedAccessKey=topsecret"));

        var run = await CliRunner.RunAsync("orders", "tail");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("ServiceBus:ConnectionString: Endpoint scheme 'http' is not sb, amqps or amqp", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("topsecret", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrdersTail_SessionOnAQueueWithoutSessions_IsRefusedBeforeConnecting()
    {
        using var env = new EnvironmentVariables(("MARGIN_ServiceBus__OrdersQueueSessions", "false"));

        var run = await CliRunner.RunAsync("orders", "tail", "--session", "acct-1", "--service-bus", Emulator);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("margin orders tail: --session needs a session queue; ServiceBus:OrdersQueueSessions is false for 'liquidation-orders'", run.Stderr.TrimEnd());
    }

    private sealed class EnvironmentVariables : IDisposable
    {
        private readonly (string Name, string? Before)[] _saved;

        public EnvironmentVariables(params (string Name, string Value)[] variables)
        {
            _saved = [.. variables.Select(v => (v.Name, Environment.GetEnvironmentVariable(v.Name)))];
            foreach (var (name, value) in variables)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }

        public void Dispose()
        {
            foreach (var (name, before) in _saved)
            {
                Environment.SetEnvironmentVariable(name, before);
            }
        }
    }
}
