using System.Text.Json;
using Margin.Engine.Accounts;
using Margin.Engine.Domain;

namespace Margin.Infrastructure.Documents;

/// <summary>Maps one element of <c>accounts</c> to an <see cref="Account"/>, independently of every other element.</summary>
/// <remarks>
/// Paths are relative to the account, in the engine's notation (<c>balances[2].asset</c>), so a problem found here and an
/// <see cref="InvalidAccountException"/> raised by the engine read alike. Every problem of the account is reported, not
/// only the first.
/// </remarks>
public static class AccountReader
{
    private static readonly string[] s_modes = ["standard", "portfolio"];

    public static AccountEntry Read(int index, JsonElement element)
    {
        var problems = new List<InputProblem>();
        if (InputObject.From(element, string.Empty, problems) is not { } o)
        {
            return new AccountEntry(index, null, null, false, [new InputProblem(null, $"an account must be an object (got {NumberText.Describe(element)})")]);
        }

        var id = o.String("id", required: true);
        if (id is not null && string.IsNullOrWhiteSpace(id))
        {
            o.Fail("id", "the account id must not be blank");
            id = null;
        }

        var version = o.Integer("version") ?? 0L;
        var mode = o.Choice("marginMode", s_modes) ?? "standard";
        var inFlight = o.Boolean("liquidationInFlight") ?? false;
        var balances = new List<Balance>();
        foreach (var (item, path) in o.Array("balances") ?? [])
        {
            if (InputObject.From(item, path, problems) is not { } b)
            {
                continue;
            }

            var symbol = b.String("asset", required: true);
            var quantity = b.Decimal("quantity", required: true);
            b.RejectUnknown("a balance");
            Asset asset = default;
            if (symbol is not null && !Asset.TryCreate(symbol, out asset, out var error))
            {
                b.Fail("asset", error);
                continue;
            }

            if (symbol is not null && quantity is { } q)
            {
                balances.Add(new Balance(asset, q));
            }
        }

        var positions = new List<Position>();
        foreach (var (item, path) in o.Array("positions") ?? [])
        {
            if (InputObject.From(item, path, problems) is not { } p)
            {
                continue;
            }

            var instrument = p.String("instrument", required: true);
            var quantity = p.Decimal("quantity", required: true);
            var entry = p.Decimal("entryPrice");
            p.RejectUnknown("a position");
            if (instrument is not null && quantity is { } q)
            {
                positions.Add(new Position(instrument, q, entry ?? 0m));
            }
        }

        o.RejectUnknown("an account");
        if (version < 0)
        {
            o.Fail("version", $"must not be negative (got {version})");
        }

        if (problems.Count > 0 || id is null)
        {
            return new AccountEntry(index, id, null, inFlight, problems);
        }

        try
        {
            var account = Account.Create(id, version, mode == "portfolio" ? MarginMode.Portfolio : MarginMode.Standard, balances, positions);
            return new AccountEntry(index, id, account, inFlight, []);
        }
        catch (InvalidAccountException ex)
        {
            return new AccountEntry(index, id, null, inFlight, [new InputProblem(ex.Field, ex.Problem)]);
        }
    }
}
