using Azure;
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

    /// <summary>
    /// Points a pointer row (<c>latest</c>) at something newer, never older, under the row's ETag: two writers racing
    /// leave it on the newer one. <paramref name="row"/> carries the new content, including the time property
    /// <paramref name="orderedBy"/> it is ordered by; a stored pointer with a later time stays.
    /// </summary>
    /// <param name="row">The new pointer row (its keys name the row).</param>
    /// <param name="orderedBy">The DateTimeOffset property that orders pointers.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    protected async Task MoveForwardAsync(TableEntity row, string orderedBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        var at = row.GetDateTimeOffset(orderedBy) ?? throw new ArgumentException($"the pointer row has no {orderedBy}", nameof(row));
        for (var attempt = 0; ; attempt++)
        {
            var current = await Table.GetEntityIfExistsAsync<TableEntity>(row.PartitionKey, row.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (current.HasValue && current.Value!.GetDateTimeOffset(orderedBy) is { } stored && stored > at)
            {
                return;
            }

            try
            {
                if (current.HasValue)
                {
                    await Table.UpdateEntityAsync(row, current.Value!.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await Table.AddEntityAsync(row, cancellationToken).ConfigureAwait(false);
                }

                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < 10)
            {
                // Another writer moved the pointer meanwhile: read it again.
            }
        }
    }
}
