namespace Margin.Engine.Parameters;

/// <summary>Drift's initial-margin-fraction (IMF) size premium: weights worsen with the square root of the position size.</summary>
/// <remarks>
/// <see cref="Imf"/> is a non-negative decimal factor. With <see cref="DriftIntegerArithmetic"/> the weights are computed
/// in Drift's fixed-point integers (size at 1e9, IMF at 1e6, weights at 1e4, floor divisions), reproducing Drift exactly;
/// otherwise in decimal (MARGIN-MODEL.md section 2, form 3).
/// </remarks>
public sealed record SizePremium(decimal Imf, bool DriftIntegerArithmetic = false);
