using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VoiceOrchestrator.Providers.ElevenLabs;

/// <summary>
/// The <c>ElevenLabs-Signature</c> scheme (contract §8.2): <c>t=&lt;unix&gt;,v0=&lt;hex&gt;</c>, where hex is the
/// lowercase HMAC-SHA256 of <c>"{t}.{raw body}"</c> keyed with the webhook secret. Timestamps older
/// than 30 minutes are refused; so are timestamps more than 5 minutes ahead (the SDK has no upper
/// bound; a small skew allowance is kept).
/// </summary>
public static class ElevenLabsSignature
{
    public const string HeaderName = "ElevenLabs-Signature";
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(30);
    public static readonly TimeSpan FutureSkew = TimeSpan.FromMinutes(5);

    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        var hex = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message));
        return $"t={timestamp},v0={hex}";
    }

    /// <summary>Null when valid; otherwise why not.</summary>
    public static string? Verify(string? header, string secret, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return "Missing signature header";
        }

        string? timestampText = null;
        string? signature = null;
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal))
            {
                timestampText = part[2..];
            }
            else if (part.StartsWith("v0=", StringComparison.Ordinal))
            {
                signature = part;
            }
        }

        if (signature is null)
        {
            return "No signature hash found with expected scheme v0";
        }

        if (!long.TryParse(timestampText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var timestamp))
        {
            return "Timestamp missing or malformed";
        }

        var signedAt = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(timestamp, 0, 253402300799));
        if (signedAt < now - Tolerance || signedAt > now + FutureSkew)
        {
            return "Timestamp outside the tolerance zone";
        }

        var expected = Sign(secret, timestamp, body);
        var expectedSignature = expected[(expected.IndexOf(",v0=", StringComparison.Ordinal) + 1)..];
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expectedSignature), Encoding.ASCII.GetBytes(signature))
            ? null
            : "Signature hash does not match the expected signature hash for payload";
    }
}
