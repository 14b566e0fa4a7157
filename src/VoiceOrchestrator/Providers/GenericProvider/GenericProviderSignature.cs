using System.Security.Cryptography;
using System.Text;

namespace VoiceOrchestrator.Providers.GenericProvider;

/// <summary>
/// The generic provider signs its status callbacks with WEBHOOK_SECRET: header
/// <c>X-Webhook-Signature: sha256=&lt;hex&gt;</c>, the lowercase hex HMAC-SHA256 of the raw request body
/// (a bare hex digest is read too). The comparison is constant-time.
/// </summary>
public static class GenericProviderSignature
{
    public const string HeaderName = "X-Webhook-Signature";
    private const string Prefix = "sha256=";

    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>Null when the signature matches, else why not.</summary>
    public static string? Verify(string? header, string secret, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return $"missing {HeaderName} header";
        }

        var hex = header.Trim();
        if (hex.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            hex = hex[Prefix.Length..];
        }

        byte[] given;
        try
        {
            given = Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return $"{HeaderName} is not a hex digest";
        }

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body);
        return CryptographicOperations.FixedTimeEquals(given, expected) ? null : "signature does not match the body";
    }
}
