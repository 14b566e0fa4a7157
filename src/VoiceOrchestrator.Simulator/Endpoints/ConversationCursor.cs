using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace VoiceOrchestrator.Simulator;

/// <summary>Opaque <c>next_cursor</c>: the sort key of the last conversation returned, so paging stays stable while new calls arrive.</summary>
internal static class ConversationCursor
{
    public static string Encode((long StartedAtMs, long Sequence) key) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{key.StartedAtMs}:{key.Sequence}")));

    public static bool TryDecode(string cursor, out (long StartedAtMs, long Sequence) key)
    {
        key = default;
        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(cursor);
        }
        catch (FormatException)
        {
            return false;
        }

        var parts = Encoding.UTF8.GetString(bytes).Split(':');
        if (parts.Length == 2
            && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var startedAtMs)
            && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var sequence))
        {
            key = (startedAtMs, sequence);
            return true;
        }

        return false;
    }
}
