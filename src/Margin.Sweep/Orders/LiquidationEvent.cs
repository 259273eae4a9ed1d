using System.Collections.Immutable;

namespace Margin.Sweep.Orders;

/// <summary>An executor's report on a liquidation order (queue <c>liquidation-events</c>, schema version 1).</summary>
/// <param name="V">The schema version, <see cref="SchemaVersion"/>.</param>
/// <param name="OrderId">The order.</param>
/// <param name="AccountId">The order's account.</param>
/// <param name="State">Accepted, PartiallyFilled, Filled, Failed or Expired.</param>
/// <param name="At">When the executor observed it.</param>
/// <param name="FilledLegs">What has filled so far, if anything.</param>
/// <param name="Detail">The executor's words (e.g. why it failed), optional.</param>
public sealed record LiquidationEvent(int V, string OrderId, string AccountId, OrderState State, DateTimeOffset At, ImmutableArray<FilledLeg> FilledLegs, string? Detail = null)
{
    /// <summary>The schema version this code reads.</summary>
    public const int SchemaVersion = 1;

    /// <summary>The problems of this event, each naming its field; empty when valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (V != SchemaVersion)
        {
            problems.Add($"v: schema version {V} is not supported (this code reads {SchemaVersion})");
        }

        if (string.IsNullOrWhiteSpace(OrderId))
        {
            problems.Add("orderId is empty");
        }

        if (string.IsNullOrWhiteSpace(AccountId))
        {
            problems.Add("accountId is empty");
        }

        if (State == OrderState.Open || !Enum.IsDefined(State))
        {
            problems.Add($"state: {State} is not an executor state (Accepted, PartiallyFilled, Filled, Failed, Expired)");
        }

        if (At == default)
        {
            problems.Add("at is missing");
        }

        return problems;
    }
}

/// <summary>A filled quantity of one leg.</summary>
/// <param name="Target">The asset or instrument.</param>
/// <param name="Quantity">The filled quantity (invariant decimal string).</param>
/// <param name="AveragePrice">The average fill price (invariant decimal string).</param>
public sealed record FilledLeg(string Target, string Quantity, string AveragePrice);
