namespace Margin.Sweep.Ports;

/// <summary>A conditional write lost a race: a row changed (or appeared) since it was read. Re-read and decide again.</summary>
public sealed class StoreConflictException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StoreConflictException()
    {
    }

    /// <summary>Creates the exception with a message naming the table, partition and row.</summary>
    public StoreConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the store's own failure.</summary>
    public StoreConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
