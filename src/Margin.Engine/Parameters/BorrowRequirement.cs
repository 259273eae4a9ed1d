namespace Margin.Engine.Parameters;

/// <summary>Initial and maintenance requirement rates on a borrowed balance's USD value.</summary>
/// <remarks>Both strictly positive, <see cref="InitialRate"/> &gt;= <see cref="MaintenanceRate"/>.</remarks>
public sealed record BorrowRequirement(decimal InitialRate, decimal MaintenanceRate);
