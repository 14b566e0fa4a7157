using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace VoiceOrchestrator.Simulator;

/// <summary>Query-string reading with FastAPI-style issues for values that do not parse or are out of range.</summary>
internal sealed class QueryParameters(IQueryCollection query)
{
    private readonly List<ValidationIssue> _issues = [];

    public IReadOnlyList<ValidationIssue> Issues => _issues;

    public string? Text(string name)
    {
        var value = query[name].ToString();
        return value.Length == 0 ? null : value;
    }

    public long? Integer(string name, long? minimum = null, long? maximum = null)
    {
        var text = Text(name);
        if (text is null)
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            Add(name, "Input should be a valid integer, unable to parse string as an integer", "int_parsing");
            return null;
        }

        if (value < minimum)
        {
            Add(name, string.Create(CultureInfo.InvariantCulture, $"Input should be greater than or equal to {minimum}"), "greater_than_equal");
        }
        else if (value > maximum)
        {
            Add(name, string.Create(CultureInfo.InvariantCulture, $"Input should be less than or equal to {maximum}"), "less_than_equal");
        }

        return value;
    }

    public string? OneOf(string name, params string[] allowed)
    {
        var text = Text(name);
        if (text is not null && !allowed.Contains(text, StringComparer.Ordinal))
        {
            Add(name, "Input should be " + string.Join(" or ", allowed.Select(value => $"'{value}'")), "enum");
            return null;
        }

        return text;
    }

    public void Add(string name, string message, string type) => _issues.Add(new ValidationIssue(["query", name], message, type));
}
