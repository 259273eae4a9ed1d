namespace Margin.Sweep.Orders;

/// <summary>Rules about <see cref="OrderState"/>.</summary>
public static class OrderStates
{
    /// <summary>Whether the state closes the order (filled, failed, expired).</summary>
    public static bool IsTerminal(this OrderState state) => state is OrderState.Filled or OrderState.Failed or OrderState.Expired;
}
