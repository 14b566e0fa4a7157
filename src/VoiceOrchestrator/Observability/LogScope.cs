using System.Collections;

namespace VoiceOrchestrator.Observability;

/// <summary>
/// One named value as a logging scope: the JSON console writes it as <c>{"Message": "CallId:…", "CallId": "…"}</c>
/// in the line's <c>Scopes</c>, and text loggers as <c>CallId:…</c>.
/// </summary>
public sealed class LogScope(string name, object value) : IReadOnlyList<KeyValuePair<string, object>>
{
    public int Count => 1;

    public KeyValuePair<string, object> this[int index] =>
        index == 0 ? new(name, value) : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
    {
        yield return this[0];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"{name}:{value}";
}
