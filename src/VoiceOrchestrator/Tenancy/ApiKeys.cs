using System.Security.Cryptography;
using System.Text;

namespace VoiceOrchestrator.Tenancy;

/// <summary>
/// Workspace API keys: 256 random bits, shown once, stored only as a SHA-256 digest. A fast hash
/// is enough here because the key is random, not a password a person chose.
/// </summary>
public static class ApiKeys
{
    private const string Prefix = "vo_";

    public static string NewKey() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The part of a key that may be shown again, to tell keys apart.</summary>
    public static string DisplayPrefix(string key) => key[..Math.Min(key.Length, Prefix.Length + 6)];

    public static bool HashesEqual(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    public static bool TokensEqual(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    public static string NewId(string prefix, int randomBytes = 12) => prefix + Base64Url(RandomNumberGenerator.GetBytes(randomBytes)).ToLowerInvariant().Replace('-', 'x').Replace('_', 'y');

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
