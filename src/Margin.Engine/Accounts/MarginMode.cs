namespace Margin.Engine.Accounts;

/// <summary>How an account's requirements are computed.</summary>
public enum MarginMode
{
    /// <summary>Per-position brackets and per-asset haircuts (MARGIN-MODEL.md section 3).</summary>
    Standard = 0,

    /// <summary>Scenario risk matrix per underlying (MARGIN-MODEL.md section 4).</summary>
    Portfolio = 1,
}
