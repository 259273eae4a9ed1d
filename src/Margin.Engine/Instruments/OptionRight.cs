namespace Margin.Engine.Instruments;

/// <summary>Call or put.</summary>
public enum OptionRight
{
    Call = 0,
    Put = 1,
}
