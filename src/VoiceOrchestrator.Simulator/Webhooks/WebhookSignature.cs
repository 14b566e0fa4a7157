using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VoiceOrchestrator.Simulator;

/// <summary>
/// The <c>ElevenLabs-Signature</c> scheme of contract §8.2: <c>t=&lt;unix&gt;,v0=&lt;hex&gt;</c>, where hex is the lowercase
/// HMAC-SHA256, keyed with the secret's UTF-8 bytes, of the timestamp, a '.', and the raw body bytes.
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "ElevenLabs-Signature";

    public static string CreateHeader(string secret, long timestampUnixSeconds, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var timestamp = timestampUnixSeconds.ToString(CultureInfo.InvariantCulture);
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(Encoding.UTF8.GetBytes(timestamp + "."));
        hmac.AppendData(body);
        return $"t={timestamp},v0={Convert.ToHexStringLower(hmac.GetHashAndReset())}";
    }

    public static string CreateHeader(string secret, long timestampUnixSeconds, string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return CreateHeader(secret, timestampUnixSeconds, Encoding.UTF8.GetBytes(body));
    }
}
