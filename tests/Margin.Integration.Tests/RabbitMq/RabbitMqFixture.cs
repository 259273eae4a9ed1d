using Margin.Testing.RabbitMq;

namespace Margin.Integration.Tests.RabbitMq;

/// <summary>
/// The one RabbitMQ node of this test assembly (scripts/rabbitmq.sh in a temporary folder on free loopback ports), shared by
/// every broker test through <see cref="RabbitMqGroup"/>: a restart in one test is seen by all of them, so they run one after
/// another and each uses queues of its own.
/// </summary>
/// <remarks>Never skipped: if RabbitMQ is not installed or does not start, every broker test fails with the script's output.</remarks>
public sealed class RabbitMqFixture : IAsyncLifetime
{
    private RabbitMqBroker? _broker;

    /// <summary>The running broker.</summary>
    public RabbitMqBroker Broker => _broker ?? throw new InvalidOperationException("the RabbitMQ fixture was not initialised");

    /// <summary>How long the first start took (install excluded).</summary>
    public TimeSpan StartDuration { get; private set; }

    public async Task InitializeAsync()
    {
        _broker = await RabbitMqBroker.StartAsync();
        StartDuration = _broker.LastStartDuration;
    }

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    /// <summary>A durable queue with a name no other test uses, declared on the broker.</summary>
    public async Task<string> NewQueueAsync(string purpose)
    {
        var queue = $"{purpose}-{Guid.NewGuid():N}"[..Math.Min(purpose.Length + 13, 120)];
        await Broker.DeclareQueueAsync(queue);
        return queue;
    }
}

/// <summary>Tests in this collection share one RabbitMQ node.</summary>
[CollectionDefinition(Name)]
public sealed class RabbitMqGroup : ICollectionFixture<RabbitMqFixture>
{
    public const string Name = "rabbitmq";
}
