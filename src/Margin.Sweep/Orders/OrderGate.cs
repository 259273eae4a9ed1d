using Margin.Engine.Parameters;

namespace Margin.Sweep.Orders;

/// <summary>Whether an outbox order may be sent now: the kill switches of the parameters active at send time, not only those of the sweep that planned it.</summary>
public static class OrderGate
{
    /// <summary>Why the order must wait in the outbox, or null when it may be sent.</summary>
    /// <param name="order">The order.</param>
    /// <param name="active">The parameters active now, or null when none is (nothing is held then).</param>
    public static string? HoldReason(StoredOrder order, RiskParameters? active)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (active is null)
        {
            return null;
        }

        if (active.KillSwitch)
        {
            return $"liquidations are paused globally (parameters {active.Version})";
        }

        if (LiquidationOrderJson.Read(order.Body) is not { } message)
        {
            return null;
        }

        foreach (var leg in message.Legs)
        {
            var asset = active.Instruments.TryGetValue(leg.Target, out var instrument) ? instrument.Instrument.Underlying.Symbol : leg.Target;
            if (active.Assets.TryGetValue(asset, out var p) && p.KillSwitch)
            {
                return $"liquidations of {asset} are paused (parameters {active.Version})";
            }
        }

        return null;
    }
}
