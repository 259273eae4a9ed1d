namespace Margin.Engine.Evaluation;

/// <summary>Facts about an account that live outside the ledger and the prices.</summary>
/// <param name="LiquidationInFlight">An order for the account is still open (sets <c>LiquidationInFlight</c>).</param>
public readonly record struct EvaluationContext(bool LiquidationInFlight = false);
