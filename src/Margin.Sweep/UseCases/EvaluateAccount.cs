using Margin.Engine.Accounts;
using Margin.Engine.Evaluation;
using Margin.Engine.Liquidation;
using Margin.Engine.Results;
using Margin.Sweep.Options;
using Margin.Sweep.Ports;

namespace Margin.Sweep.UseCases;

/// <summary>What-if evaluation: one account (stored, or supplied by the caller) against the latest or a named snapshot and the active or a named parameter version; writes nothing.</summary>
/// <remarks>
/// A stored account is evaluated with its open order, if any (so <c>LiquidationInFlight</c> is what a sweep would set);
/// a liquidatable one gets the plan a sweep would put out. Nothing is stored and no order is issued: this answers
/// "what would happen", for the HTTP API and operators.
/// </remarks>
public sealed class EvaluateAccount
{
    private readonly IAccountStore _accounts;
    private readonly IMarginStore _margin;
    private readonly IPriceSnapshotStore _snapshots;
    private readonly IRiskParameterStore _parameters;
    private readonly MarginModelCache _models;
    private readonly TimeProvider _time;
    private readonly PlannerOptions _planner;

    /// <summary>Creates the use case.</summary>
    public EvaluateAccount(IAccountStore accounts, IMarginStore margin, IPriceSnapshotStore snapshots, IRiskParameterStore parameters, MarginModelCache models, SweepOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _accounts = accounts ?? throw new ArgumentNullException(nameof(accounts));
        _margin = margin ?? throw new ArgumentNullException(nameof(margin));
        _snapshots = snapshots ?? throw new ArgumentNullException(nameof(snapshots));
        _parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
        _models = models ?? throw new ArgumentNullException(nameof(models));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _planner = PlannerOptions.Create(options.PlannerFeeRate, options.PlannerMaxImpact, options.PlannerMaxOrderUsd, options.PlannerMinOrderUsd);
    }

    /// <summary>Evaluates a stored account by id (<paramref name="account"/> null) or the supplied account.</summary>
    /// <param name="accountId">The stored account's id; ignored when <paramref name="account"/> is given.</param>
    /// <param name="account">An account to evaluate as is (what-if), or null to read the stored one.</param>
    /// <param name="snapshotId">A snapshot id, or null for the latest.</param>
    /// <param name="paramsVersion">A parameter version, or null for the active one.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<WhatIfOutcome> ExecuteAsync(string? accountId, Account? account, string? snapshotId = null, string? paramsVersion = null, CancellationToken cancellationToken = default)
    {
        snapshotId ??= await _snapshots.GetLatestAsync(cancellationToken).ConfigureAwait(false);
        if (snapshotId is null)
        {
            return WhatIfOutcome.Refused(WhatIfRefusal.NoSnapshot, "no price snapshot has been written yet");
        }

        paramsVersion ??= await _parameters.GetActiveVersionAsync(cancellationToken).ConfigureAwait(false);
        if (paramsVersion is null)
        {
            return WhatIfOutcome.Refused(WhatIfRefusal.NoParameters, "no risk parameter version is active");
        }

        var inFlight = false;
        if (account is null)
        {
            if (string.IsNullOrWhiteSpace(accountId))
            {
                throw new ArgumentException("name a stored account or supply one", nameof(accountId));
            }

            account = await _accounts.GetAsync(accountId, cancellationToken).ConfigureAwait(false);
            if (account is null)
            {
                return WhatIfOutcome.Refused(WhatIfRefusal.UnknownAccount, $"no account {accountId} is stored");
            }

            var (stored, orders) = await _margin.ReadAccountAsync(accountId, cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            inFlight = stored?.OpenOrderId is { } open && orders.Any(o => o.OrderId == open && o.IsOpenAt(now));
        }

        SweepModel model;
        try
        {
            model = await _models.GetAsync(snapshotId, paramsVersion, noLiquidationReason: null, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            return WhatIfOutcome.Refused(WhatIfRefusal.UnknownInputs, ex.Message);
        }

        var context = new EvaluationContext(inFlight);
        MarginResult result;
        try
        {
            result = model.Model.Evaluate(account, context);
        }
        catch (InvalidAccountException ex)
        {
            return WhatIfOutcome.Refused(WhatIfRefusal.InvalidAccount, ex.Field is { Length: > 0 } f ? $"{f}: {ex.Problem}" : ex.Problem);
        }

        var plan = result.Summary.ShouldLiquidate ? LiquidationPlanner.Plan(model.Model, account, result, _planner, context) : null;
        return new WhatIfOutcome(result, plan, null, null);
    }
}

/// <summary>A what-if result, or why there is none.</summary>
/// <param name="Result">The evaluation, or null when refused.</param>
/// <param name="Plan">The liquidation plan a sweep would issue, when the account must be liquidated.</param>
/// <param name="Refusal">Why nothing was evaluated, or null.</param>
/// <param name="Why">The refusal in words, naming what is missing or wrong.</param>
public sealed record WhatIfOutcome(MarginResult? Result, LiquidationPlan? Plan, WhatIfRefusal? Refusal, string? Why)
{
    internal static WhatIfOutcome Refused(WhatIfRefusal refusal, string why) => new(null, null, refusal, why);
}

/// <summary>Why a what-if evaluation was refused.</summary>
public enum WhatIfRefusal
{
    /// <summary>No snapshot exists yet.</summary>
    NoSnapshot,

    /// <summary>No parameter version is active.</summary>
    NoParameters,

    /// <summary>The named account is not stored.</summary>
    UnknownAccount,

    /// <summary>The named snapshot or parameter version is not stored.</summary>
    UnknownInputs,

    /// <summary>The account cannot be evaluated (unknown asset, missing price); the reason names the field.</summary>
    InvalidAccount,
}
