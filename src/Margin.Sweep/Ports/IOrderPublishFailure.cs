namespace Margin.Sweep.Ports;

/// <summary>Implemented by the exception an <see cref="IOrderPublisher"/> throws when it knows which orders of the call the broker did not accept: every other order of the call was accepted and may be marked sent.</summary>
public interface IOrderPublishFailure
{
    /// <summary>The orders the broker did not accept, or may not have (a timeout); never marked sent.</summary>
    IReadOnlyList<string> OrderIds { get; }

    /// <summary>Whether the broker could not be reached or the link was lost (later sends would fail too), rather than a refusal of these orders alone.</summary>
    bool BrokerUnavailable { get; }
}
