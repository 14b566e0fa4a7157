using System.Globalization;
using System.Text;

namespace VoiceOrchestrator.Api;

/// <summary>
/// CSV answers (RFC 4180) for the routes that offer them, chosen by <c>Accept: text/csv</c> or
/// <c>format=csv</c>. Cells a spreadsheet would run as a formula are prefixed with a quote.
/// </summary>
public static class CsvOutput
{
    public const string ContentType = "text/csv";

    public static bool IsWanted(HttpRequest request) =>
        string.Equals(request.Query["format"].ToString(), "csv", StringComparison.OrdinalIgnoreCase)
        || request.GetTypedHeaders().Accept.Any(a => string.Equals(a.MediaType.Value, ContentType, StringComparison.OrdinalIgnoreCase));

    public static IResult Write(string fileName, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<object?>> rows)
    {
        var text = new StringBuilder();
        AppendLine(text, header);
        foreach (var row in rows)
        {
            AppendLine(text, row);
        }

        return TypedResults.File(Encoding.UTF8.GetBytes(text.ToString()), ContentType + "; charset=utf-8", fileName);
    }

    private static void AppendLine<T>(StringBuilder text, IReadOnlyList<T> cells)
    {
        for (var i = 0; i < cells.Count; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            text.Append(Cell(cells[i]));
        }

        text.Append("\r\n");
    }

    public static string Cell(object? value)
    {
        var raw = value switch
        {
            null => "",
            DateTime time => time.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            bool flag => flag ? "true" : "false",
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        if (raw.Length > 0 && (raw[0] is '=' or '@' or '\t' or '\r'
            || (raw[0] is '+' or '-' && (raw.Length == 1 || !char.IsAsciiDigit(raw[1])))))
        {
            raw = "'" + raw;
        }

        return raw.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + raw.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : raw;
    }
}
