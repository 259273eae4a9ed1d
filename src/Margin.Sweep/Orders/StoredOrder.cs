namespace Margin.Sweep.Orders;

/// <summary>A liquidation order in the outbox (the <c>margin</c> table's <c>o:{orderId}</c> row, in its account's partition).</summary>
/// <remarks>
/// <see cref="Body"/> is the order message exactly as it is published (<see cref="LiquidationOrder"/> as JSON), so a relay
/// after a crash sends the same bytes. <see cref="Sent"/> turns true only after the broker accepted the message.
/// <see cref="ExpiresAt"/> is the order's time to live, which expires it only while no executor has taken it.
/// </remarks>
/// <param name="OrderId">The order id, derived from (account, episode): every retry names the same order.</param>
/// <param name="AccountId">The account.</param>
/// <param name="Episode">The liquidation episode it belongs to.</param>
/// <param name="SweepId">The sweep that created it.</param>
/// <param name="State">Its state.</param>
/// <param name="Sent">Whether the broker accepted it.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="ExpiresAt">When it stops counting as open unless an executor reports on it.</param>
/// <param name="SentAt">When the broker accepted it, or null.</param>
/// <param name="UpdatedAt">When its state last changed.</param>
/// <param name="Body">The message body (UTF-8 JSON).</param>
/// <param name="ConcurrencyToken">The store's opaque row version, or null when not stored yet.</param>
public sealed record StoredOrder(
    string OrderId,
    string AccountId,
    int Episode,
    string SweepId,
    OrderState State,
    bool Sent,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? SentAt,
    DateTimeOffset UpdatedAt,
    string Body,
    string? ConcurrencyToken = null)
{
    /// <summary>Whether the order still counts as open at <paramref name="now"/>: not terminal, and either an executor is working it (accepted, partially filled) or its time to live has not passed.</summary>
    /// <remarks>The time to live only expires an order nobody has taken: an accepted or partially filled order stays open until a terminal report, so no second order is issued while an executor may still be selling.</remarks>
    public bool IsOpenAt(DateTimeOffset now) => !State.IsTerminal() && (State != OrderState.Open || now < ExpiresAt);
}
