using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Npgsql;

namespace VoiceOrchestrator.Storage;

/// <summary>
/// One column of a bulk insert, with its read-and-convert compiled once per entity type into
/// typed delegates. EF's own getter and converter delegates box every value twice; at 100,000
/// rows of 50 columns that cost more than the insert itself.
/// </summary>
internal sealed class BulkColumn
{
    private static readonly ConcurrentDictionary<IEntityType, BulkColumn[]> Cache = new();

    private BulkColumn(string name, RelationalTypeMapping mapping, Func<object, object?> providerValue, Func<object, object, bool> sameValue,
        Action<object, Utf8JsonWriter>? writeJson, Action<object, NpgsqlBinaryImporter> writeCopy)
    {
        Name = name;
        Mapping = mapping;
        ProviderValue = providerValue;
        SameValue = sameValue;
        WriteJson = writeJson;
        WriteCopy = writeCopy;
    }

    public string Name { get; }

    public RelationalTypeMapping Mapping { get; }

    /// <summary>The value as the database stores it (boxed; for the few values bound as parameters).</summary>
    public Func<object, object?> ProviderValue { get; }

    /// <summary>Whether two entities hold the same value in this column.</summary>
    public Func<object, object, bool> SameValue { get; }

    /// <summary>Writes the value as <see cref="SqliteJson"/> does; null when the provider type cannot travel as JSON.</summary>
    public Action<object, Utf8JsonWriter>? WriteJson { get; }

    /// <summary>Writes the value to a PostgreSQL binary COPY row.</summary>
    public Action<object, NpgsqlBinaryImporter> WriteCopy { get; }

    /// <summary>The columns an insert writes: every mapped column but database-numbered integer keys.</summary>
    public static BulkColumn[] For(IEntityType entityType) => Cache.GetOrAdd(entityType, Build);

    private static BulkColumn[] Build(IEntityType entityType)
    {
        var storeObject = StoreObjectIdentifier.Table(entityType.GetTableName()!, entityType.GetSchema());
        return entityType.GetProperties()
            .Where(p => !IsDatabaseIdentity(p))
            .Select(p => Create(p, p.GetColumnName(storeObject)!, p.GetRelationalTypeMapping()))
            .ToArray();
    }

    /// <summary>Integer keys numbered by the database (call_events.id); everything else is written as given.</summary>
    private static bool IsDatabaseIdentity(IProperty property) =>
        property.IsKey() && property.ValueGenerated != ValueGenerated.Never && (property.ClrType == typeof(long) || property.ClrType == typeof(int));

    private static BulkColumn Create(IProperty property, string name, RelationalTypeMapping mapping)
    {
        var member = (MemberInfo?)property.PropertyInfo ?? property.FieldInfo
            ?? throw new NotSupportedException($"{property.DeclaringType.DisplayName()}.{property.Name} has no CLR member to read.");
        var converter = mapping.Converter ?? property.GetValueConverter();

        var entity = Expression.Parameter(typeof(object), "entity");
        var other = Expression.Parameter(typeof(object), "other");
        var json = Expression.Parameter(typeof(Utf8JsonWriter), "json");
        var importer = Expression.Parameter(typeof(NpgsqlBinaryImporter), "importer");
        var value = Read(entity, member);

        // The provider value of a non-null model value, and whether the model value is null.
        var modelType = converter?.ConvertToProviderExpression.Parameters[0].Type ?? Nullable.GetUnderlyingType(value.Type) ?? value.Type;
        Expression nonNull = value.Type == modelType ? value : Expression.Convert(value, modelType);
        var provider = converter is null ? nonNull : Expression.Invoke(converter.ConvertToProviderExpression, nonNull);
        Expression isNull = value.Type.IsValueType && Nullable.GetUnderlyingType(value.Type) is null
            ? Expression.Constant(false)
            : Expression.Equal(value, Expression.Constant(null, value.Type));

        var providerValue = Expression.Lambda<Func<object, object?>>(
            Expression.Condition(isNull, Expression.Constant(null), Expression.Convert(provider, typeof(object))), entity).Compile();

        var comparer = typeof(EqualityComparer<>).MakeGenericType(value.Type);
        var sameValue = Expression.Lambda<Func<object, object, bool>>(
            Expression.Call(Expression.Property(null, comparer, "Default"), comparer.GetMethod("Equals", [value.Type, value.Type])!, value, Read(other, member)),
            entity, other).Compile();

        Action<object, Utf8JsonWriter>? writeJson = null;
        if (SqliteJson.WriterFor(provider.Type) is { } jsonMethod)
        {
            writeJson = Expression.Lambda<Action<object, Utf8JsonWriter>>(
                Expression.IfThenElse(isNull, Expression.Call(json, nameof(Utf8JsonWriter.WriteNullValue), null), Expression.Call(jsonMethod, json, provider)),
                entity, json).Compile();
        }

        var write = typeof(NpgsqlBinaryImporter).GetMethods()
            .Single(m => m.Name == nameof(NpgsqlBinaryImporter.Write) && m.IsGenericMethodDefinition
                && m.GetParameters() is [_, { ParameterType: var second }] && second == typeof(string))
            .MakeGenericMethod(provider.Type);
        var writeCopy = Expression.Lambda<Action<object, NpgsqlBinaryImporter>>(
            Expression.IfThenElse(
                isNull,
                Expression.Call(importer, nameof(NpgsqlBinaryImporter.WriteNull), null),
                Expression.Call(importer, write, provider, Expression.Constant(mapping.StoreType))),
            entity, importer).Compile();

        return new BulkColumn(name, mapping, providerValue, sameValue, writeJson, writeCopy);
    }

    private static MemberExpression Read(ParameterExpression entity, MemberInfo member) =>
        Expression.MakeMemberAccess(Expression.Convert(entity, member.DeclaringType!), member);
}
