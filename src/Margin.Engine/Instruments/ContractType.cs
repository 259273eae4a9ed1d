namespace Margin.Engine.Instruments;

/// <summary>How a perpetual or future settles its profit and loss.</summary>
public enum ContractType
{
    /// <summary>Quantity in base units, PnL <c>q * (mark - entry)</c> in USD.</summary>
    Linear = 0,

    /// <summary>Quantity in USD face value, PnL <c>q * (1/entry - 1/mark)</c> in the base coin.</summary>
    Inverse = 1,
}
