using Margin.Engine.Domain;

namespace Margin.Engine.Accounts;

/// <summary>A collateral balance: a signed quantity of one asset, negative when borrowed.</summary>
/// <remarks>Spot holdings are balances; premiums, funding and fees are already included by the ledger.</remarks>
public readonly record struct Balance(Asset Asset, decimal Quantity);
