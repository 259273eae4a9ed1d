namespace Margin.Engine.Parameters;

/// <summary>The short-option requirement per base unit: <c>max(A * S - OTM, B * S) + mark</c>.</summary>
/// <remarks><see cref="A"/> &gt;= <see cref="B"/> &gt;= 0 are fractions of the underlying price <c>S</c>.</remarks>
public readonly record struct ShortOptionRule(decimal A, decimal B);
