namespace VoiceOrchestrator;

/// <summary>E.164 checks, kept to the standard's shape: '+', a non-zero country digit, at most 15 digits.</summary>
public static class PhoneNumbers
{
    public static bool IsE164(string? value)
    {
        if (value is null || value.Length < 8 || value.Length > 16 || value[0] != '+' || value[1] == '0')
        {
            return false;
        }

        for (var i = 1; i < value.Length; i++)
        {
            if (!char.IsAsciiDigit(value[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Shows only the last four digits, for logs.</summary>
    public static string Mask(string? value) =>
        value is null || value.Length <= 4 ? "****" : new string('*', value.Length - 4) + value[^4..];
}
