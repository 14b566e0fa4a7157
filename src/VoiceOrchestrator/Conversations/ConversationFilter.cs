namespace VoiceOrchestrator.Conversations;

/// <summary>
/// What a listing asks for. <see cref="Search"/> is a conversation id or a phone number, matched
/// exactly (a number in any usual spelling is compared in E.164), so that every search is an
/// index look-up.
/// </summary>
public sealed record ConversationFilter(string WorkspaceId, string? Search, DateOnly? Day)
{
    public bool IsUnfiltered => Search is null && Day is null;

    /// <summary>The search as a phone number in E.164, when it reads as one.</summary>
    public string? SearchNumber => Search is { } search ? NormalizeNumber(search) : null;

    public DateTime? DayStart => Day?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);

    public DateTime? DayEnd => Day?.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);

    /// <summary>"+1 (555) 010-0000", "15550100000" and "+15550100000" are one number.</summary>
    public static string? NormalizeNumber(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0 || trimmed.Any(c => !(char.IsAsciiDigit(c) || c is '+' or ' ' or '-' or '(' or ')' or '.')) || trimmed.LastIndexOf('+') > 0)
        {
            return null;
        }

        var digits = new string(trimmed.Where(char.IsAsciiDigit).ToArray());
        var candidate = "+" + digits;
        return PhoneNumbers.IsE164(candidate) ? candidate : null;
    }
}
