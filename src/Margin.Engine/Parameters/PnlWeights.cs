namespace Margin.Engine.Parameters;

/// <summary>How much unrealised profit and long option value count in adjusted equity.</summary>
/// <remarks>Weights in [0, 1]; initial weights never above maintenance ones. Losses and short option marks always count in full.</remarks>
public sealed record PnlWeights(decimal PositivePnlInitial = 1m, decimal PositivePnlMaintenance = 1m, decimal LongOptionInitial = 1m, decimal LongOptionMaintenance = 1m);
