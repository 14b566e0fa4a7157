using Microsoft.Extensions.Logging;
using VoiceOrchestrator.Observability;

namespace VoiceOrchestrator.Tests.Operations;

/// <summary>Phone numbers in log lines keep only their last 4 digits; ids, counts and timestamps are left alone.</summary>
public sealed class LogMaskingTests
{
    [Theory]
    [InlineData("Calling +14155550123 now", "Calling +*******0123 now")]
    [InlineData("to=+442071838750,from=+14155550100", "to=+********8750,from=+*******0100")]
    [InlineData("short +1234 and port 3000 and id 0b9c1f7e", "short +1234 and port 3000 and id 0b9c1f7e")]
    [InlineData("2026-01-15T09:30:00+01:00 offset", "2026-01-15T09:30:00+01:00 offset")]
    public void NumbersAreMaskedAndOtherTextIsNot(string text, string expected) =>
        Assert.Equal(expected, PhoneNumberMask.Apply(text));

    [Fact]
    public void TheLoggerMasksTheMessageAndTheValuesButKeepsScopes()
    {
        var captured = new CapturingProvider();
        using var factory = LoggerFactory.Create(logging => logging.AddProvider(new PhoneMaskingLoggerProvider(captured)));
        var logger = factory.CreateLogger("test");

        using (logger.BeginScope(new Dictionary<string, object> { ["CallId"] = "c-1" }))
        {
            logger.LogInformation("Dialing {ToNumber} for {Agent}", "+14155550123", "agent_1");
        }

        var entry = Assert.Single(captured.Entries);
        Assert.Equal("Dialing +*******0123 for agent_1", entry.Message);
        Assert.Equal("+*******0123", entry.Values["ToNumber"]);
        Assert.Equal("Dialing {ToNumber} for {Agent}", entry.Values["{OriginalFormat}"]);
        Assert.Equal("c-1", entry.Scopes["CallId"]);
    }

    private sealed record Entry(string Message, Dictionary<string, object?> Values, Dictionary<string, object?> Scopes);

    /// <summary>Records what reaches the provider the masking wraps, as the console formatter would read it.</summary>
    private sealed class CapturingProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public List<Entry> Entries { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingProvider provider) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = (state as IReadOnlyList<KeyValuePair<string, object?>> ?? []).ToDictionary(p => p.Key, p => p.Value);
                var scopes = new Dictionary<string, object?>();
                provider._scopes.ForEachScope((scope, into) =>
                {
                    foreach (var pair in scope as IEnumerable<KeyValuePair<string, object>> ?? [])
                    {
                        into[pair.Key] = pair.Value;
                    }
                }, scopes);
                provider.Entries.Add(new Entry(formatter(state, exception), values, scopes));
            }
        }
    }
}
