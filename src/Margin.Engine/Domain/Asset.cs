using System.Diagnostics.CodeAnalysis;

namespace Margin.Engine.Domain;

/// <summary>An asset symbol such as <c>BTC</c> or <c>USDC</c>.</summary>
/// <remarks>
/// Symbols are case-sensitive, 1 to 32 characters of ASCII letters, digits, <c>.</c>, <c>_</c> or <c>-</c>.
/// <c>default(Asset)</c> has no symbol and is rejected wherever an asset is required.
/// </remarks>
public readonly record struct Asset
{
    private Asset(string symbol) => Symbol = symbol;

    /// <summary>The symbol, exactly as validated.</summary>
    public string Symbol { get; }

    /// <summary>Whether this is <c>default(Asset)</c>.</summary>
    public bool IsDefault => Symbol is null;

    /// <summary>Validates and creates an asset.</summary>
    /// <exception cref="ArgumentException">The symbol is empty, too long or has a character outside the allowed set.</exception>
    public static Asset Of(string symbol)
    {
        if (!TryCreate(symbol, out var asset, out var error))
        {
            throw new ArgumentException(error, nameof(symbol));
        }

        return asset;
    }

    /// <summary>Validates and creates an asset, returning the reason on failure.</summary>
    public static bool TryCreate(string? symbol, out Asset asset, [NotNullWhen(false)] out string? error)
    {
        asset = default;
        if (string.IsNullOrEmpty(symbol))
        {
            error = "an asset symbol must not be empty";
            return false;
        }

        if (symbol.Length > 32)
        {
            error = $"asset symbol '{symbol}' is longer than 32 characters";
            return false;
        }

        foreach (var c in symbol)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                error = $"asset symbol '{symbol}' has the character '{c}'; only ASCII letters, digits, '.', '_' and '-' are allowed";
                return false;
            }
        }

        asset = new Asset(symbol);
        error = null;
        return true;
    }

    /// <inheritdoc />
    public bool Equals(Asset other) => string.Equals(Symbol, other.Symbol, StringComparison.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => Symbol is null ? 0 : StringComparer.Ordinal.GetHashCode(Symbol);

    /// <inheritdoc />
    public override string ToString() => Symbol ?? "(none)";
}
