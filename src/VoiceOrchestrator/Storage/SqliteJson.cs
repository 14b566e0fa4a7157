using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace VoiceOrchestrator.Storage;

/// <summary>
/// Writes provider values as JSON that SQLite's <c>json_each(…) ->> n</c> turns back into exactly the
/// values Microsoft.Data.Sqlite would have bound as parameters: the same TEXT for dates, GUIDs
/// (upper case, as EF stores them) and decimals, INTEGER 0/1 for booleans.
/// </summary>
internal static class SqliteJson
{
    private const string DateTimeFormat = @"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF";
    private const string DecimalFormat = "0.0###########################";

    /// <summary>The Write method for values of this provider type; null when JSON cannot carry them (BLOBs, …).</summary>
    public static MethodInfo? WriterFor(Type providerType) =>
        typeof(SqliteJson).GetMethod(nameof(Write), BindingFlags.Public | BindingFlags.Static, [typeof(Utf8JsonWriter), providerType]);

    public static void Write(Utf8JsonWriter json, string? value)
    {
        if (value is null)
        {
            json.WriteNullValue();
        }
        else
        {
            json.WriteStringValue(value);
        }
    }

    public static void Write(Utf8JsonWriter json, bool value) => json.WriteNumberValue(value ? 1 : 0);

    public static void Write(Utf8JsonWriter json, byte value) => json.WriteNumberValue(value);

    public static void Write(Utf8JsonWriter json, short value) => json.WriteNumberValue(value);

    public static void Write(Utf8JsonWriter json, int value) => json.WriteNumberValue(value);

    public static void Write(Utf8JsonWriter json, long value) => json.WriteNumberValue(value);

    public static void Write(Utf8JsonWriter json, double value)
    {
        if (!double.IsFinite(value))
        {
            throw new NotSupportedException("NaN and infinities have no JSON form; store them through a parameter.");
        }

        json.WriteNumberValue(value);
    }

    public static void Write(Utf8JsonWriter json, decimal value) =>
        json.WriteStringValue(value.ToString(DecimalFormat, CultureInfo.InvariantCulture));

    public static void Write(Utf8JsonWriter json, Guid value)
    {
        Span<char> text = stackalloc char[36];
        value.TryFormat(text, out _, "D");
        for (var i = 0; i < text.Length; i++)
        {
            text[i] = char.ToUpperInvariant(text[i]);
        }

        json.WriteStringValue(text);
    }

    public static void Write(Utf8JsonWriter json, DateTime value)
    {
        Span<char> text = stackalloc char[32];
        value.TryFormat(text, out var written, DateTimeFormat, CultureInfo.InvariantCulture);
        json.WriteStringValue(text[..written]);
    }
}
