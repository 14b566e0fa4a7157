namespace VoiceOrchestrator.Api;

/// <summary>Collects per-field messages and turns them into one RFC 7807 validation problem.</summary>
public sealed class ValidationErrors
{
    // Made on the first error only: a 100,000-call bulk checks every item with one of these.
    private Dictionary<string, List<string>>? _errors;

    public bool IsEmpty => _errors is null || _errors.Count == 0;

    public int Count => _errors?.Count ?? 0;

    public void Add(string field, string message)
    {
        _errors ??= new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (!_errors.TryGetValue(field, out var messages))
        {
            _errors[field] = messages = [];
        }

        messages.Add(message);
    }

    public void AddAll(ValidationErrors other, string prefix)
    {
        foreach (var (field, messages) in other._errors ?? [])
        {
            foreach (var message in messages)
            {
                Add(field.Length == 0 ? prefix.TrimEnd('.') : prefix + field, message);
            }
        }
    }

    public IDictionary<string, string[]> ToDictionary() =>
        _errors?.ToDictionary(p => p.Key, p => p.Value.ToArray()) ?? new Dictionary<string, string[]>();

    public IResult ToResult(string? detail = null) =>
        TypedResults.ValidationProblem(ToDictionary(), detail: detail ?? "One or more fields are invalid.", title: "Validation failed");
}
