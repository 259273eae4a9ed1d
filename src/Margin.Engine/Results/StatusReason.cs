namespace Margin.Engine.Results;

/// <summary>Why an account has its status: the rule that matched and the figures behind it.</summary>
/// <param name="Rule">A stable code, e.g. <c>MarginRatioAtOrAboveOne</c>, for machines.</param>
/// <param name="Message">A sentence with the figures, for people.</param>
public sealed record StatusReason(string Rule, string Message);
