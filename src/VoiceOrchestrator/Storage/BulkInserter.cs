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

    /// <summary>
    /// SQLite: multi-row INSERTs. Binding parameters is the cost here (one bind per value per
    /// row), so columns that are null in every row are left out, columns with one value for every
    /// row (workspace, agent, state, timestamps of a bulk request…) are bound once per statement,
    /// and only the columns that differ from row to row are bound per row.
    /// </summary>
    private static async Task InsertEachAsync<T>(DbConnection connection, DbTransaction? transaction, string table, Column[] columns, IReadOnlyList<T> rows, CancellationToken cancellationToken)
    {
        var values = new object?[rows.Count][];
        for (var r = 0; r < rows.Count; r++)
        {
            values[r] = new object?[columns.Length];
            for (var c = 0; c < columns.Length; c++)
            {
                values[r][c] = columns[c].ProviderValue(rows[r]!);
            }
        }

        var constant = new List<int>();
        var varying = new List<int>();
        for (var c = 0; c < columns.Length; c++)
        {
            var first = values[0][c];
            var same = true;
            for (var r = 1; r < rows.Count && same; r++)
            {
                same = Equals(values[r][c], first);
            }

            if (same && first is null)
            {
                continue; // The column's default (NULL) is what every row wants.
            }

            (same ? constant : varying).Add(c);
        }

        const int MaxVariables = 30_000;
        // Microsoft.Data.Sqlite finds each parameter by name on every execution, so very wide statements cost more than they save.
        const int MaxRowsPerStatement = 100;
        var rowsPerStatement = varying.Count == 0
            ? MaxRowsPerStatement
            : Math.Clamp((MaxVariables - constant.Count) / varying.Count, 1, MaxRowsPerStatement);
        DbCommand? command = null;
        try
        {
            for (var start = 0; start < rows.Count; start += rowsPerStatement)
            {
                var count = Math.Min(rowsPerStatement, rows.Count - start);
                if (command is null || command.Parameters.Count != constant.Count + count * varying.Count)
                {
                    if (command is not null)
                    {
                        await command.DisposeAsync();
                    }

                    command = CreateMultiRowInsert(connection, transaction, table, columns, constant, varying, count, values[0]);
                }

                for (var r = 0; r < count; r++)
                {
                    var row = values[start + r];
                    for (var k = 0; k < varying.Count; k++)
                    {
                        command.Parameters[constant.Count + r * varying.Count + k].Value = row[varying[k]] ?? DBNull.Value;
                    }
                }

                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        finally
        {
            if (command is not null)
            {
                await command.DisposeAsync();
            }
        }
    }

    private static DbCommand CreateMultiRowInsert(
        DbConnection connection, DbTransaction? transaction, string table, Column[] columns, List<int> constant, List<int> varying, int rowCount, object?[] firstRow)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        var names = constant.Concat(varying).Select(c => Quote(columns[c].Name));
        var sql = new System.Text.StringBuilder($"INSERT INTO {Quote(table)} ({string.Join(", ", names)}) VALUES ");
        foreach (var c in constant)
        {
            // Created through the type mapping so that, e.g., a Guid is bound as TEXT exactly as EF stores it.
            var parameter = columns[c].Mapping.CreateParameter(command, "$c" + c, null, nullable: true);
            parameter.Value = firstRow[c] ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        for (var r = 0; r < rowCount; r++)
        {
            sql.Append(r == 0 ? "(" : ", (");
            sql.Append(string.Join(", ", constant.Select(c => "$c" + c).Concat(varying.Select(k => $"$r{r}_{k}"))));
            sql.Append(')');
            foreach (var k in varying)
            {
                command.Parameters.Add(columns[k].Mapping.CreateParameter(command, $"$r{r}_{k}", null, nullable: true));
            }
        }

        command.CommandText = sql.ToString();
        return command;
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
