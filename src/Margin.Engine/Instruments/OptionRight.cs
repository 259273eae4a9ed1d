namespace Margin.Engine.Instruments;

/// <summary>Call or put.</summary>
public enum OptionRight
{
    /// <summary>The right to buy the underlying at the strike: in the money above it.</summary>
    Call = 0,

    /// <summary>The right to sell the underlying at the strike: in the money below it.</summary>
    Put = 1,
}
