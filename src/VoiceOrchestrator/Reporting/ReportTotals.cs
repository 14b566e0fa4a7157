using System.Data.Common;
using System.Reflection;
using System.Text.Json;

namespace VoiceOrchestrator.Reporting;

/// <summary>
/// The figures of one report row: the rolled-up totals plus the calls still open, which exist
/// only as raw calls (retention never touches them).
/// </summary>
public sealed class ReportTotals
{
    private static readonly (PropertyInfo Property, string Column)[] Columns = typeof(DailyCallTotals).GetProperties()
        .Select(p => (p, JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name)))
        .ToArray();

    public DailyCallTotals Totals { get; } = new();
    public int Queued { get; set; }
    public int Dialing { get; set; }
    public int Ringing { get; set; }
    public int InProgress { get; set; }

    public int Active => Dialing + Ringing + InProgress;

    /// <summary>Calls that reached a final state.</summary>
    public int Finished => Totals.TotalCalls - Queued - Active;

    /// <summary>Adds the figures of one result row (columns named as the aggregate columns; missing ones are zero).</summary>
    public void AddRow(DbDataReader reader)
    {
        foreach (var (property, column) in Columns)
        {
            var ordinal = reader.GetOrdinal(column);
            if (reader.IsDBNull(ordinal))
            {
                continue;
            }

            var value = reader.GetValue(ordinal);
            if (property.PropertyType == typeof(int))
            {
                property.SetValue(Totals, (int)property.GetValue(Totals)! + Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture));
            }
            else if (property.PropertyType == typeof(long))
            {
                property.SetValue(Totals, (long)property.GetValue(Totals)! + Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                property.SetValue(Totals, (double)property.GetValue(Totals)! + Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        Queued += OptionalInt(reader, "queued");
        Dialing += OptionalInt(reader, "dialing");
        Ringing += OptionalInt(reader, "ringing");
        InProgress += OptionalInt(reader, "in_progress");
    }

    public void Add(ReportTotals other)
    {
        foreach (var (property, _) in Columns)
        {
            object sum = property.GetValue(Totals) switch
            {
                int mine => (object)(mine + (int)property.GetValue(other.Totals)!),
                long mine => (object)(mine + (long)property.GetValue(other.Totals)!),
                double mine => (object)(mine + (double)property.GetValue(other.Totals)!),
                _ => throw new InvalidOperationException($"{property.Name} is not a figure."),
            };
            property.SetValue(Totals, sum);
        }

        Queued += other.Queued;
        Dialing += other.Dialing;
        Ringing += other.Ringing;
        InProgress += other.InProgress;
    }

    private static int OptionalInt(DbDataReader reader, string column)
    {
        for (var i = 0; i < reader.FieldCount; i++)
        {
            if (reader.GetName(i) == column)
            {
                return reader.IsDBNull(i) ? 0 : Convert.ToInt32(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
