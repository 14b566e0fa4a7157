using System.Text.RegularExpressions;

namespace VoiceOrchestrator.Observability;

/// <summary>Hides all but the last 4 digits of E.164 numbers in log text: +14155550123 becomes +*******0123.</summary>
public static partial class PhoneNumberMask
{
    public static string Apply(string text) =>
        text.Contains('+') ? E164().Replace(text, m => "+" + new string('*', m.Groups[1].Length) + m.Groups[2].Value) : text;

    [GeneratedRegex(@"(?<![\w+])\+(\d{3,11})(\d{4})(?!\d)")]
    private static partial Regex E164();
}
