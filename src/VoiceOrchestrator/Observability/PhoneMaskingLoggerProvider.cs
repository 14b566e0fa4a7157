using System.Collections;

namespace VoiceOrchestrator.Observability;

/// <summary>
/// Wraps the console logger so that phone numbers in messages and their values are masked
/// (<see cref="PhoneNumberMask"/>) before they are written. Scopes pass through to the inner
/// provider, so the JSON lines keep their correlation and call ids.
/// </summary>
public sealed class PhoneMaskingLoggerProvider(ILoggerProvider inner) : ILoggerProvider, ISupportExternalScope
{
    public ILogger CreateLogger(string categoryName) => new MaskingLogger(inner.CreateLogger(categoryName));

    public void SetScopeProvider(IExternalScopeProvider scopeProvider)
    {
        if (inner is ISupportExternalScope scoped)
        {
            scoped.SetScopeProvider(scopeProvider);
        }
    }

    public void Dispose() => inner.Dispose();

    private sealed class MaskingLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
            {
                return;
            }

            var message = PhoneNumberMask.Apply(formatter(state, exception));
            inner.Log(logLevel, eventId, new MaskedState(state as IReadOnlyList<KeyValuePair<string, object?>>, message), exception, static (s, _) => s.Message);
        }
    }

    /// <summary>The state as the JSON formatter reads it: the masked message and masked values.</summary>
    private sealed class MaskedState(IReadOnlyList<KeyValuePair<string, object?>>? values, string message) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string Message => message;

        public int Count => values?.Count ?? 0;

        public KeyValuePair<string, object?> this[int index]
        {
            get
            {
                var pair = values![index];
                return pair.Value is string text && pair.Key != "{OriginalFormat}" ? new(pair.Key, PhoneNumberMask.Apply(text)) : pair;
            }
        }

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => message;
    }
}
