using System.Collections.Frozen;
using System.Text.Json;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace VoiceOrchestrator.Storage;

/// <summary>Stores an enum as its lowercase snake_case name (<c>InProgress</c> → <c>in_progress</c>), as the API shows it.</summary>
public sealed class SnakeCaseEnumConverter<TEnum>() : ValueConverter<TEnum, string>(
    value => ToName(value),
    value => Parse(value))
    where TEnum : struct, Enum
{
    private static readonly FrozenDictionary<TEnum, string> Names =
        Enum.GetValues<TEnum>().ToFrozenDictionary(v => v, v => JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()));

    private static readonly FrozenDictionary<string, TEnum> Values =
        Names.ToFrozenDictionary(pair => pair.Value, pair => pair.Key);

    public static string ToName(TEnum value) => Names[value];

    public static TEnum Parse(string name) =>
        TryParse(name, out var value) ? value : throw new FormatException($"'{name}' is not a {typeof(TEnum).Name}.");

    public static bool TryParse(string? name, out TEnum value)
    {
        if (name is not null && Values.TryGetValue(name.ToLowerInvariant(), out value))
        {
            return true;
        }

        value = default;
        return false;
    }
}
