using System.Security.Cryptography;
using System.Text;

namespace VoiceOrchestrator.Simulator.Tests;

/// <summary>
/// Verifies an <c>ElevenLabs-Signature</c> header the way the SDK's <c>constructEvent</c> does (contract §8.2),
/// written without the simulator's code so the two implementations check each other.
/// </summary>
internal static class IndependentSignature
{
    public static bool IsValid(string header, byte[] body, string secret, out long timestamp)
    {
        timestamp = 0;
        var parts = header.Split(',');
        var t = parts.FirstOrDefault(part => part.StartsWith("t=", StringComparison.Ordinal))?[2..];
        var v0 = parts.FirstOrDefault(part => part.StartsWith("v0=", StringComparison.Ordinal));
        if (t is null || v0 is null || !long.TryParse(t, out timestamp))
        {
            return false;
        }

        var message = Encoding.UTF8.GetBytes(t + ".").Concat(body).ToArray();
        var expected = "v0=" + Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message)).ToLowerInvariant();
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(v0));
    }
}
