using System.Security.Cryptography;
using System.Text;

namespace VoiceOrchestrator.Simulator;

/// <summary>
/// <c>X-Twilio-Signature</c> as Twilio computes it (contract §7): the full URL exactly as sent to, then every form
/// parameter sorted by name in ordinal order and appended as name + value (repeated names: values de-duplicated and
/// sorted), HMAC-SHA1 keyed with the account's auth token, Base64.
/// </summary>
public static class TwilioRequestSignature
{
    public const string HeaderName = "X-Twilio-Signature";

    public static string Compute(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        ArgumentNullException.ThrowIfNull(authToken);
        ArgumentNullException.ThrowIfNull(url);
        var data = new StringBuilder(url);
        foreach (var group in parameters.GroupBy(p => p.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            foreach (var value in group.Select(p => p.Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                data.Append(group.Key).Append(value);
            }
        }

        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString())));
    }
}
