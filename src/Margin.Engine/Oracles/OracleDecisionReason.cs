namespace Margin.Engine.Oracles;

/// <summary>What the aggregation decided for one asset in one refresh.</summary>
/// <remarks>The first three outcomes publish the new aggregate as usable; the others keep the last good price, unusable.</remarks>
public enum OracleDecisionReason
{
    /// <summary>The aggregate is within the guard band of at least one reference price; accepted.</summary>
    Accepted = 1,

    /// <summary>There is neither a last accepted price nor a TWAP to guard against (cold start); the aggregate is accepted.</summary>
    AcceptedWithoutReference,

    /// <summary>The aggregate moved beyond the guard band from every reference, but a quorum of distinct sources confirms it.</summary>
    ConfirmedByQuorum,

    /// <summary>No quote passed the usability rules.</summary>
    NoUsableQuotes,

    /// <summary>Usable quotes existed but every one deviated from their median beyond the outlier band.</summary>
    NoAgreement,

    /// <summary>Fewer distinct sources than the minimum remained after outlier dropping.</summary>
    TooFewSources,

    /// <summary>The aggregate moved beyond the guard band from every reference without a confirming quorum (circuit breaker).</summary>
    GuardBandExceeded,
}
