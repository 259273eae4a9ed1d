namespace Margin.Testing.RabbitMq;

/// <summary>A queue as rabbitmqctl list_queues reports it.</summary>
/// <param name="Name">The queue name.</param>
/// <param name="Durable">Whether the queue survives a restart (its persistent messages too).</param>
/// <param name="Messages">Ready plus unacknowledged messages.</param>
public sealed record RabbitMqQueueInfo(string Name, bool Durable, long Messages);
