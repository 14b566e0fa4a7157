using System.Security.Cryptography;
using System.Text;

namespace VoiceOrchestrator.Providers.Twilio;

/// <summary>
/// Checks <c>X-Twilio-Signature</c> (contract twilio.md §7): HMAC-SHA1 with the auth token over the public URL
/// followed by the form parameters sorted by name (ordinal), each as name + value. Twilio has signed some
/// requests with the port and some without (§7.2), so, as both official SDKs do, the URL is tried as given,
/// without its port and with the scheme's default port.
/// </summary>
public static class TwilioSignature
{
    public const string HeaderName = "X-Twilio-Signature";

    public static string Compute(string authToken, string url, IEnumerable<KeyValuePair<string, IReadOnlyList<string>>> parameters)
    {
        var data = new StringBuilder(url);
        foreach (var (name, values) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var value in values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                data.Append(name).Append(value);
            }
        }

        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString())));
    }

    /// <summary>True when <paramref name="signature"/> matches the URL in any of its port forms.</summary>
    public static bool IsValid(string authToken, string url, IReadOnlyCollection<KeyValuePair<string, IReadOnlyList<string>>> parameters, string? signature)
    {
        if (string.IsNullOrEmpty(signature) || string.IsNullOrEmpty(authToken))
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(signature);
        foreach (var candidate in UrlForms(url).Distinct(StringComparer.Ordinal))
        {
            var actual = Encoding.ASCII.GetBytes(Compute(authToken, candidate, parameters));
            if (CryptographicOperations.FixedTimeEquals(actual, expected))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The URL as given, without any port, and with the scheme's default port when it had none.</summary>
    public static IEnumerable<string> UrlForms(string url)
    {
        yield return url;
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            yield break;
        }

        var authorityStart = schemeEnd + 3;
        var authorityEnd = url.IndexOfAny(['/', '?', '#'], authorityStart);
        if (authorityEnd < 0)
        {
            authorityEnd = url.Length;
        }

        var authority = url[authorityStart..authorityEnd];
        var hostStart = authority.LastIndexOf('@') + 1;
        var portColon = authority.LastIndexOf(':');
        var hasPort = portColon > hostStart && !authority[portColon..].Contains(']', StringComparison.Ordinal);
        var prefix = url[..authorityStart];
        var rest = url[authorityEnd..];
        if (hasPort)
        {
            yield return prefix + authority[..portColon] + rest;
        }
        else
        {
            var scheme = url[..schemeEnd].ToLowerInvariant();
            var port = scheme == "https" ? ":443" : scheme == "http" ? ":80" : null;
            if (port is not null)
            {
                yield return prefix + authority + port + rest;
            }
        }
    }

    /// <summary>Form fields as the signature reads them (every value of a repeated name).</summary>
    public static List<KeyValuePair<string, IReadOnlyList<string>>> Parameters(IFormCollection form) =>
        [.. form.Select(f => new KeyValuePair<string, IReadOnlyList<string>>(f.Key, f.Value.Select(v => v ?? "").ToList()))];
}
