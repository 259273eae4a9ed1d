using Azure.Data.Tables;

namespace Margin.Infrastructure.Storage;

/// <summary>What every Table Storage store shares: its table client, and creating the table.</summary>
public abstract class TableStore
{
    /// <summary>Creates the store over a table client (the table is created by <see cref="EnsureCreatedAsync"/>).</summary>
    /// <param name="table">The table client.</param>
    protected TableStore(TableClient table)
    {
        ArgumentNullException.ThrowIfNull(table);
        Table = table;
    }

    /// <summary>The table.</summary>
    protected TableClient Table { get; }

    /// <summary>Creates the table if it does not exist.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default) => await Table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
}
