namespace Margin.Engine.Accounts;

/// <summary>A derivative position: a signed quantity of an instrument (negative = short).</summary>
/// <remarks>
/// Units of <see cref="Quantity"/>: base-asset units for linear contracts, USD face value for inverse contracts,
/// contracts for options. <see cref="EntryPrice"/> is the average entry price in USD per base unit; it is required
/// (strictly positive) for perpetuals and futures and ignored for options, whose premium is already in the balances.
/// </remarks>
public readonly record struct Position(string InstrumentId, decimal Quantity, decimal EntryPrice);
