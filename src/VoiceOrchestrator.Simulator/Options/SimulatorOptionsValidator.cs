namespace VoiceOrchestrator.Simulator;

/// <summary>Rejects settings the simulator cannot honour, so a typo fails loudly instead of silently changing a benchmark.</summary>
internal static class SimulatorOptionsValidator
{
    /// <summary>Returns a validated copy whose collections are private to the simulator.</summary>
    /// <exception cref="ArgumentException">When a setting is out of range.</exception>
    public static SimulatorOptions Validated(SimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();

        NotNegative(options.ConcurrencyLimit, nameof(options.ConcurrencyLimit), problems);
        NotNegative(options.ExternalActiveCalls, nameof(options.ExternalActiveCalls), problems);
        NotNegative(options.RingMs, nameof(options.RingMs), problems);
        NotNegative(options.CallDurationMs, nameof(options.CallDurationMs), problems);
        NotNegative(options.CallDurationJitterMs, nameof(options.CallDurationJitterMs), problems);
        NotNegative(options.ResponseLatencyMs, nameof(options.ResponseLatencyMs), problems);
        NotNegative(options.TimeoutMs, nameof(options.TimeoutMs), problems);
        NotNegative(options.TwilioAmdDetectionMs, nameof(options.TwilioAmdDetectionMs), problems);
        NotNegative(options.WebhookDelayMs, nameof(options.WebhookDelayMs), problems);
        NotNegative(options.WebhookRetries, nameof(options.WebhookRetries), problems);
        Positive(options.WebhookParallelism, nameof(options.WebhookParallelism), problems);
        Positive(options.WebhookTimeoutMs, nameof(options.WebhookTimeoutMs), problems);
        Positive(options.MaxStoredConversations, nameof(options.MaxStoredConversations), problems);

        Rate(options.ServerErrorRate, nameof(options.ServerErrorRate), problems);
        Rate(options.TimeoutRate, nameof(options.TimeoutRate), problems);
        Rate(options.RefusalRate, nameof(options.RefusalRate), problems);
        if (options.ServerErrorRate + options.TimeoutRate + options.RefusalRate > 1)
        {
            problems.Add("ServerErrorRate + TimeoutRate + RefusalRate must not exceed 1.");
        }

        if (options.ServerErrorStatusCode is < 500 or > 599)
        {
            problems.Add("ServerErrorStatusCode must be between 500 and 599.");
        }

        if (!CapacityAnswers.IsKnown(options.CapacityAnswer))
        {
            problems.Add($"CapacityAnswer must be \"{CapacityAnswers.TooManyRequests}\", \"{CapacityAnswers.SuccessFalse}\" or \"{CapacityAnswers.SystemBusy}\".");
        }

        var weights = options.Outcomes;
        if (weights is null || weights.Answered < 0 || weights.Busy < 0 || weights.NoAnswer < 0 || weights.Failed < 0 || !(weights.Total > 0))
        {
            problems.Add("Outcomes weights must be non-negative with a positive sum.");
        }

        if (options.WebhookUrl is not null
            && (!Uri.TryCreate(options.WebhookUrl, UriKind.Absolute, out var webhookUri) || webhookUri.Scheme is not ("http" or "https")))
        {
            problems.Add("WebhookUrl must be an absolute http(s) URL.");
        }

        if (options.NumberOutcomes is null || options.NumberFaults is null || options.TwilioNumberAnswers is null || options.AgentNumber is null || options.AgentName is null)
        {
            problems.Add("NumberOutcomes, NumberFaults, TwilioNumberAnswers, AgentNumber and AgentName must not be null.");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        return options with
        {
            NumberOutcomes = new Dictionary<string, CallOutcome>(options.NumberOutcomes!, StringComparer.Ordinal),
            NumberFaults = new Dictionary<string, FaultKind>(options.NumberFaults!, StringComparer.Ordinal),
            TwilioNumberAnswers = new Dictionary<string, TwilioAnswer>(options.TwilioNumberAnswers!, StringComparer.Ordinal),
            ApiKey = string.IsNullOrEmpty(options.ApiKey) ? null : options.ApiKey,
            WebhookUrl = string.IsNullOrEmpty(options.WebhookUrl) ? null : options.WebhookUrl,
            WebhookSecret = string.IsNullOrEmpty(options.WebhookSecret) ? null : options.WebhookSecret,
        };
    }

    private static void NotNegative(int value, string name, List<string> problems)
    {
        if (value < 0)
        {
            problems.Add($"{name} must not be negative.");
        }
    }

    private static void Positive(int value, string name, List<string> problems)
    {
        if (value <= 0)
        {
            problems.Add($"{name} must be positive.");
        }
    }

    private static void Rate(double value, string name, List<string> problems)
    {
        if (!(value is >= 0 and <= 1))
        {
            problems.Add($"{name} must be between 0 and 1.");
        }
    }
}
