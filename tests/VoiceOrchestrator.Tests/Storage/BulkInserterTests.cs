using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Storage;

/// <summary>
/// Rows written by <see cref="BulkInserter"/> must be byte-for-byte what EF's own SaveChanges writes
/// (same SQLite storage class and text for dates, GUIDs, booleans, enums), for every column and
/// through both of its paths: a value bound once for all rows, and values that differ per row.
/// </summary>
public sealed class BulkInserterTests(PostgresFixture postgres) : ServiceTestBase(postgres)
{
    private static readonly DateTime Now = new(2026, 11, 1, 12, 30, 15, 123, DateTimeKind.Utc);

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task RowsMatchWhatSaveChangesWrites(DatabaseKind kind)
    {
        await using var factory = await StartAsync(kind);
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>();

        var viaEf = Filled(1);
        var viaEfWithNulls = WithNullables(Filled(2), set: false);
        db.Calls.AddRange(viaEf, viaEfWithNulls);
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();

        // Two identical rows but for the id: every other column is bound once.
        var sameA = Filled(1);
        var sameB = Filled(1);
        // Rows that differ in every column: every column travels per row.
        var differentA = Filled(1);
        var differentB = WithNullables(Filled(2), set: false);
        foreach (var batch in new[] { new[] { sameA, sameB }, [differentA, differentB] })
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            await BulkInserter.InsertAsync(db, batch, CancellationToken.None);
            await transaction.CommitAsync();
        }

        var expected = await RawRowAsync(db, viaEf.Id);
        var expectedWithNulls = await RawRowAsync(db, viaEfWithNulls.Id);
        Assert.Contains(expected.Values, v => v is not DBNull);
        AssertSameColumns(expected, await RawRowAsync(db, sameA.Id));
        AssertSameColumns(expected, await RawRowAsync(db, sameB.Id));
        AssertSameColumns(expected, await RawRowAsync(db, differentA.Id));
        AssertSameColumns(expectedWithNulls, await RawRowAsync(db, differentB.Id));

        var loaded = await db.Calls.SingleAsync(c => c.Id == differentA.Id);
        Assert.Equal(Now, loaded.CreatedAt);
        Assert.Equal(DateTimeKind.Utc, loaded.CreatedAt.Kind);
        Assert.Equal(CallState.Completed, loaded.State);
    }

    /// <summary>A call with a distinct, non-default value in every settable property (<paramref name="variant"/> 1 or 2).</summary>
    private static Call Filled(int variant)
    {
        var call = new Call
        {
            Id = Guid.CreateVersion7(), WorkspaceId = "ws_" + variant, AgentId = "agent_" + variant, AgentPhoneNumberId = "phnum_" + variant,
            ToNumber = "+1555000000" + variant, CreatedAt = Now, UpdatedAt = Now,
        };
        WithNullables(call, set: true, variant);
        call.State = variant == 1 ? CallState.Completed : CallState.Failed; // Not active: rows share a number.
        call.Lane = variant == 1 ? CallLane.Bulk : CallLane.Priority;
        call.GateMode = variant == 1 ? GateMode.TwilioAmdBridge : GateMode.Direct;
        call.EnableMachineDetection = variant == 2;
        call.SipTrunkUsed = variant == 1;
        call.Priority = 10 * variant;
        call.Attempts = variant;
        call.MaxAttempts = 3 + variant;
        call.Concurrency = 5 + variant;
        call.MachineDetectionTimeout = 7 + variant;
        call.CreatedAt = Now.AddSeconds(variant - 1);
        return call;
    }

    /// <summary>Sets every nullable and string property to a variant-specific value, or (set: false) every nullable one to null.</summary>
    private static Call WithNullables(Call call, bool set, int variant = 1)
    {
        foreach (var property in typeof(Call).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var type = property.PropertyType;
            var underlying = Nullable.GetUnderlyingType(type);
            var isNullable = underlying is not null || (type == typeof(string) && IsNullableReference(property));
            if (!set)
            {
                if (isNullable)
                {
                    property.SetValue(call, null);
                }

                continue;
            }

            if (property.Name is nameof(Call.Id) or nameof(Call.WorkspaceId) or nameof(Call.AgentId) or nameof(Call.AgentPhoneNumberId) or nameof(Call.ToNumber))
            {
                continue;
            }

            object? value = (underlying ?? type) switch
            {
                var t when t == typeof(string) => property.Name.Contains("Number", StringComparison.Ordinal)
                    ? "+1555111000" + variant
                    : property.Name is nameof(Call.Variables) or nameof(Call.Metadata) ? $"{{\"v\":{variant}}}" : $"{property.Name}-{variant}",
                var t when t == typeof(int) => 40 + variant,
                var t when t == typeof(long) => 4_000_000_000L + variant,
                var t when t == typeof(double) => 0.125 * variant,
                var t when t == typeof(bool) => variant == 1,
                var t when t == typeof(DateTime) => Now.AddMinutes(variant),
                var t when t == typeof(Guid) => Guid.Parse($"0abcdef0-0000-7000-8000-00000000000{variant}"),
                var t when t.IsEnum => Enum.GetValues(t).GetValue(Enum.GetValues(t).Length - variant),
                _ => null,
            };
            if (value is not null && (underlying is not null || type == typeof(string) || type.IsEnum))
            {
                property.SetValue(call, value);
            }
        }

        return call;
    }

    private static bool IsNullableReference(PropertyInfo property) =>
        new NullabilityInfoContext().Create(property).WriteState == NullabilityState.Nullable;

    private static void AssertSameColumns(Dictionary<string, object> expected, Dictionary<string, object> actual)
    {
        foreach (var (column, value) in expected)
        {
            if (column == "id")
            {
                continue;
            }

            Assert.True(Equals(value, actual[column]), $"{column}: SaveChanges wrote {Describe(value)}, BulkInserter wrote {Describe(actual[column])}");
        }
    }

    private static string Describe(object value) => value is DBNull ? "NULL" : $"{value} ({value.GetType().Name})";

    private static async Task<Dictionary<string, object>> RawRowAsync(OrchestratorDbContext db, Guid id)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        try
        {
            await using var command = connection.CreateCommand();
            var isPostgres = db.Database.IsNpgsql();
            command.CommandText = "SELECT * FROM calls WHERE id = @id";
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@id";
            parameter.Value = isPostgres ? id : id.ToString().ToUpperInvariant();
            command.Parameters.Add(parameter);
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync(), $"row {id} is missing");
            var row = new Dictionary<string, object>();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                row[reader.GetName(i)] = reader.GetValue(i);
            }

            return row;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
