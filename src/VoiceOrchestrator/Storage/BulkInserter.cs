using System.Buffers;
using System.Data.Common;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace VoiceOrchestrator.Storage;

/// <summary>
/// Inserts many rows of one entity type fast, inside the context's current transaction: binary
/// COPY on PostgreSQL, rows unpacked from JSON by <c>json_each</c> on SQLite. Columns, names and
/// value conversions come from the EF model, so this stays in step with the mapping.
/// </summary>
public static class BulkInserter
{
    private const int SqliteRowsPerStatement = 10_000;
    private const int MaxInitialJsonBytes = 1 << 20;

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
        var columns = BulkColumn.For(entityType);
        var connection = db.Database.GetDbConnection();
        if (db.Database.IsNpgsql())
        {
            await CopyAsync((NpgsqlConnection)connection, table, columns, rows, cancellationToken);
        }
        else
        {
            await InsertFromJsonAsync(connection, db.Database.CurrentTransaction?.GetDbTransaction(), table, columns, rows, cancellationToken);
        }
    }

    /// <summary>PostgreSQL: columns that are null in every row are left out (their default is NULL), which saves encoding about half of a new call's values.</summary>
    private static async Task CopyAsync<T>(NpgsqlConnection connection, string table, BulkColumn[] allColumns, IReadOnlyList<T> rows, CancellationToken cancellationToken)
        where T : class
    {
        var (constant, varying) = SplitColumns(allColumns, rows);
        var columns = constant.Concat(varying).ToArray();
        var columnList = string.Join(", ", columns.Select(c => Quote(c.Name)));
        await using var importer = await connection.BeginBinaryImportAsync(
            $"COPY {Quote(table)} ({columnList}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        // Synchronous writes on purpose: they only touch the importer's buffer (flushing it to the
        // socket now and then), and an await per value cost more than the COPY itself.
        foreach (var row in rows)
        {
            importer.StartRow();
            foreach (var column in columns)
            {
                column.WriteCopy(row, importer);
            }
        }

        await importer.CompleteAsync(cancellationToken);
    }

    /// <summary>
    /// SQLite: binding parameters is the cost (Microsoft.Data.Sqlite binds each value by name), so
    /// the rows travel as one JSON text per statement that <c>json_each</c> unpacks. Columns that are
    /// null in every row are left out (their default is NULL), columns with one value for every row
    /// (workspace, agent, state, timestamps of a bulk request…) are bound once, and only the columns
    /// that differ from row to row go into the JSON.
    /// </summary>
    private static async Task InsertFromJsonAsync<T>(
        DbConnection connection, DbTransaction? transaction, string table, BulkColumn[] columns, IReadOnlyList<T> rows, CancellationToken cancellationToken)
        where T : class
    {
        var (constant, varying) = SplitColumns(columns, rows);
        var first = rows[0];
        if (varying.Any(c => c.WriteJson is null))
        {
            throw new NotSupportedException(
                $"{table}: {string.Join(", ", varying.Where(c => c.WriteJson is null).Select(c => c.Name))} cannot be bulk-inserted on SQLite (no JSON form).");
        }

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        var names = constant.Concat(varying).Select(c => Quote(c.Name));
        var selected = constant.Select((_, k) => "$c" + k).Concat(varying.Select((_, k) => $"value ->> {k}"));
        command.CommandText = $"INSERT INTO {Quote(table)} ({string.Join(", ", names)}) SELECT {string.Join(", ", selected)} FROM json_each($rows)";
        for (var k = 0; k < constant.Count; k++)
        {
            // Created through the type mapping so that, e.g., a Guid is bound as TEXT exactly as EF stores it.
            var parameter = constant[k].Mapping.CreateParameter(command, "$c" + k, null, nullable: true);
            parameter.Value = constant[k].ProviderValue(first);
            command.Parameters.Add(parameter);
        }

        var rowsParameter = command.CreateParameter();
        rowsParameter.ParameterName = "$rows";
        command.Parameters.Add(rowsParameter);

        // Sized for the rows at hand: a claim writes a handful of events, and a buffer of the size a
        // whole bulk needs would be a large-object allocation, collected only with generation 2.
        var buffer = new ArrayBufferWriter<byte>(Math.Min(MaxInitialJsonBytes, 64 + Math.Min(rows.Count, SqliteRowsPerStatement) * (8 + (24 * varying.Count))));
        await using var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        for (var start = 0; start < rows.Count; start += SqliteRowsPerStatement)
        {
            buffer.ResetWrittenCount();
            json.Reset(buffer);
            json.WriteStartArray();
            for (var r = start; r < Math.Min(start + SqliteRowsPerStatement, rows.Count); r++)
            {
                json.WriteStartArray();
                foreach (var column in varying)
                {
                    column.WriteJson!(rows[r], json);
                }

                json.WriteEndArray();
            }

            json.WriteEndArray();
            json.Flush();
            rowsParameter.Value = Encoding.UTF8.GetString(buffer.WrittenSpan);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>
    /// The columns with one value for every row, and those whose value differs between rows;
    /// columns that are null in every row are in neither (their default, NULL, is what every row wants).
    /// </summary>
    private static (List<BulkColumn> Constant, List<BulkColumn> Varying) SplitColumns<T>(BulkColumn[] columns, IReadOnlyList<T> rows)
        where T : class
    {
        var first = rows[0];
        var differs = new bool[columns.Length];
        // Row by row, checking only the columns that have not differed yet: each entity is read once
        // while it is in the CPU cache, rather than once per column.
        var open = Enumerable.Range(0, columns.Length).ToArray();
        var openCount = open.Length;
        for (var r = 1; r < rows.Count && openCount > 0; r++)
        {
            var row = rows[r];
            for (var k = 0; k < openCount; k++)
            {
                var c = open[k];
                if (!columns[c].SameValue(first, row))
                {
                    differs[c] = true;
                    open[k--] = open[--openCount];
                }
            }
        }

        var constant = new List<BulkColumn>();
        var varying = new List<BulkColumn>();
        for (var c = 0; c < columns.Length; c++)
        {
            if (differs[c])
            {
                varying.Add(columns[c]);
            }
            else if (columns[c].ProviderValue(first) is not null)
            {
                constant.Add(columns[c]);
            }

            // Otherwise null in every row.
        }

        return (constant, varying);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";
}
