using System.Text;
using Margin.Infrastructure.ServiceBus;
using Margin.Sweep.Ports;

namespace Margin.Cli.Hosting;

/// <summary>The events queue as the consumer's inbox: a Service Bus receiver, bodies read as UTF-8.</summary>
internal sealed class ReceiverInbox(ServiceBusReceiver receiver) : IEventInbox
{
    public async Task<IReadOnlyList<InboxMessage>> ReceiveAsync(int max, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        var received = await receiver.ReceiveAsync(max, maxWait, cancellationToken).ConfigureAwait(false);
        return [.. received.Select(m => new InboxMessage(m.MessageId, m.DeliveryCount, Encoding.UTF8.GetString(m.Body.Span), m))];
    }

    public Task CompleteAsync(InboxMessage message, CancellationToken cancellationToken = default) =>
        receiver.CompleteAsync(Of(message), cancellationToken);

    public Task AbandonAsync(InboxMessage message, CancellationToken cancellationToken = default) =>
        receiver.AbandonAsync(Of(message), cancellationToken);

    public Task DeadLetterAsync(InboxMessage message, string reason, string description, CancellationToken cancellationToken = default) =>
        receiver.DeadLetterAsync(Of(message), reason, description, cancellationToken);

    private static ReceivedMessage Of(InboxMessage message) =>
        message?.Handle as ReceivedMessage ?? throw new ArgumentException("the message was not received by this inbox", nameof(message));
}
