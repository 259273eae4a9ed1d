using System.Globalization;
using Amqp;
using Amqp.Framing;

namespace Margin.PublishHarness;

/// <summary>
/// The transport ceiling: a bare AMQPNetLite sender that sends pre-built messages with at most <c>window</c> awaiting the broker's
/// disposition, and nothing else (no mapping, no per-order bookkeeping, no timeouts but one for the whole run).
/// </summary>
internal static class BareSender
{
    /// <summary>Sends every message; returns when all are settled.</summary>
    /// <exception cref="InvalidOperationException">A message was not accepted, or the run did not finish within a minute.</exception>
    public static async Task SendAsync(SenderLink link, IReadOnlyList<Message> messages, int window)
    {
        using var slots = new SemaphoreSlim(window, window);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var remaining = messages.Count;
        var refused = 0;
        string? first = null;
        void Settled(ILink l, Message m, Outcome outcome, object state)
        {
            if (outcome is not Accepted && Interlocked.Increment(ref refused) == 1)
            {
                first = outcome?.ToString() ?? "no outcome";
            }

            slots.Release();
            if (Interlocked.Decrement(ref remaining) == 0)
            {
                done.TrySetResult();
            }
        }

        foreach (var message in messages)
        {
            await slots.WaitAsync().ConfigureAwait(false);
            link.Send(message, Settled, null);
        }

        await done.Task.WaitAsync(TimeSpan.FromMinutes(1)).ConfigureAwait(false);
        if (refused > 0)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"the bare sender had {refused} of {messages.Count} messages not accepted; first: {first}"));
        }
    }

    /// <summary>A CBS put-token on <paramref name="session"/> (what the emulated Service Bus requires before a sender attaches), as the client does it.</summary>
    /// <exception cref="InvalidOperationException">The reply was not 200 or 202.</exception>
    public static async Task PutTokenAsync(Session session, string audience, string token, DateTimeOffset expiresAt)
    {
        var sender = new SenderLink(session, "bare-cbs-sender", "$cbs");
        var receiver = new ReceiverLink(session, "bare-cbs-receiver", new Attach { Source = new Source { Address = "$cbs" }, Target = new Target { Address = "bare-cbs-reply" } }, null);
        var request = new Message(token)
        {
            Properties = new Properties { MessageId = "1", ReplyTo = "bare-cbs-reply" },
            ApplicationProperties = new ApplicationProperties(),
        };
        request.ApplicationProperties["operation"] = "put-token";
        request.ApplicationProperties["type"] = "servicebus.windows.net:sastoken";
        request.ApplicationProperties["name"] = audience;
        request.ApplicationProperties["expiration"] = expiresAt.UtcDateTime;
        await sender.SendAsync(request).ConfigureAwait(false);
        var reply = await receiver.ReceiveAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false) ?? throw new InvalidOperationException("no put-token reply from $cbs within 30 s");
        receiver.Accept(reply);
        var status = Convert.ToInt32(reply.ApplicationProperties["status-code"], CultureInfo.InvariantCulture);
        if (status is not (200 or 202))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"put-token for {audience} answered {status}: {reply.ApplicationProperties["status-description"]}"));
        }

        await sender.CloseAsync().ConfigureAwait(false);
        await receiver.CloseAsync().ConfigureAwait(false);
    }
}
