using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace VoiceOrchestrator.Storage;

/// <summary>
/// Inserts many rows of one entity type fast, inside the context's current transaction:
/// binary COPY on PostgreSQL, one prepared statement reused per row on SQLite. Columns, names
/// and value conversions come from the EF model, so this stays in step with the mapping.
/// </summary>
public static class BulkInserter
{
    public static async Task InsertAsync<T>(OrchestratorDbContext db, IReadOnlyList<T> rows, CancellationToken cancellationToken)
        where T : class
    {
        if (rows.Count == 0)
        {
            return;
        }

        var entityType = db.Model.FindEntityType(typeof(T))
            ?? throw new InvalidOperationException($"{typeof(T).Name} is not part of the model.");
        var table = entityType.GetTableName()!;
        var storeObject = StoreObjectIdentifier.Table(table, entityType.GetSchema());
        var columns = entityType.GetProperties()
            .Where(p => !IsDatabaseIdentity(p))
            .Select(p => new Column(p, p.GetColumnName(storeObject)!, p.GetRelationalTypeMapping()))
            .ToArray();

        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        if (db.Database.IsNpgsql())
        {
            await CopyAsync((NpgsqlConnection)connection, table, columns, rows, cancellationToken);
        }
        else
        {
            await InsertEachAsync(connection, transaction, table, columns, rows, cancellationToken);
        }
    }

    private static async Task CopyAsync<T>(NpgsqlConnection connection, string table, Column[] columns, IReadOnlyList<T> rows, CancellationToken cancellationToken)
    {
        var columnList = string.Join(", ", columns.Select(c => Quote(c.Name)));
        await using var importer = await connection.BeginBinaryImportAsync(
            $"COPY {Quote(table)} ({columnList}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var row in rows)
        {
            await importer.StartRowAsync(cancellationToken);
            foreach (var column in columns)
            {
                var value = column.ProviderValue(row!);
                if (value is null)
                {
                    await importer.WriteNullAsync(cancellationToken);
                }
                else
                {
                    await importer.WriteAsync(value, column.Mapping.StoreType, cancellationToken);
                }
            }
        }

        await importer.CompleteAsync(cancellationToken);
    }

    private static async Task InsertEachAsync<T>(DbConnection connection, DbTransaction? transaction, string table, Column[] columns, IReadOnlyList<T> rows, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText =
            $"INSERT INTO {Quote(table)} ({string.Join(", ", columns.Select(c => Quote(c.Name)))}) " +
            $"VALUES ({string.Join(", ", columns.Select((_, i) => "$p" + i))})";
        var parameters = new DbParameter[columns.Length];
        for (var i = 0; i < columns.Length; i++)
        {
            // Created through the type mapping so that, e.g., a Guid is bound as TEXT exactly as EF stores it.
            parameters[i] = columns[i].Mapping.CreateParameter(command, "$p" + i, null, nullable: true);
            command.Parameters.Add(parameters[i]);
        }

        command.Prepare();
        foreach (var row in rows)
        {
            for (var i = 0; i < columns.Length; i++)
            {
                parameters[i].Value = columns[i].ProviderValue(row!) ?? DBNull.Value;
            }

            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Integer keys numbered by the database (call_events.id); everything else is written as given.</summary>
    private static bool IsDatabaseIdentity(IProperty property) =>
        property.IsKey() && property.ValueGenerated != ValueGenerated.Never && (property.ClrType == typeof(long) || property.ClrType == typeof(int));

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    private sealed record Column(IProperty Property, string Name, RelationalTypeMapping Mapping)
    {
        private readonly Func<object, object?> _getter = Property.GetGetter().GetClrValueUsingContainingEntity;
        private readonly Func<object?, object?>? _convert = (Mapping.Converter ?? Property.GetValueConverter())?.ConvertToProvider;

        public object? ProviderValue(object entity)
        {
            var value = _getter(entity);
            return value is null || _convert is null ? value : _convert(value);
        }
    }
}
