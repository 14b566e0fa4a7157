using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VoiceOrchestrator.Simulator;

/// <summary>
/// Reads settings for a standalone run from <c>SIM_*</c> environment variables and command-line switches.
/// Every <see cref="SimulatorOptions"/> property has a variable: <c>SIM_</c> + the name in upper snake case
/// (<c>SIM_CONCURRENCY_LIMIT</c>, <c>SIM_WEBHOOK_URL</c>, ...). The same setting can be passed as
/// <c>--concurrency-limit=10</c>, <c>--concurrency-limit 10</c> or <c>--SIM_CONCURRENCY_LIMIT=10</c>; switches win over variables.
/// Values are JSON where the setting is not a string; maps and weights also accept <c>key=value,key=value</c>.
/// </summary>
public static class SimulatorSettings
{
    public const string EnvironmentPrefix = "SIM_";

    /// <summary>Where a standalone simulator listens when neither <c>--urls</c>, <c>SIM_URLS</c> nor <c>ASPNETCORE_URLS</c> says.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    private const string UrlsSetting = "URLS";

    private static readonly Dictionary<string, PropertyInfo> PropertiesBySetting = typeof(SimulatorOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .ToDictionary(property => JsonNamingPolicy.SnakeCaseUpper.ConvertName(property.Name), StringComparer.Ordinal);

    /// <summary>Names of all recognised environment variables.</summary>
    public static IReadOnlyList<string> EnvironmentVariableNames { get; } =
        [.. PropertiesBySetting.Keys.Select(setting => EnvironmentPrefix + setting).Order(StringComparer.Ordinal), EnvironmentPrefix + UrlsSetting];

    /// <exception cref="ArgumentException">An unknown <c>SIM_*</c> variable or switch, or an invalid value.</exception>
    public static SimulatorOptions Load(IDictionary environment, IReadOnlyList<string> args, SimulatorOptions? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(args);

        var raw = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string key && key.StartsWith(EnvironmentPrefix, StringComparison.Ordinal) && entry.Value is string value)
            {
                raw[key[EnvironmentPrefix.Length..]] = value;
            }
        }

        foreach (var (setting, value) in ReadSwitches(args))
        {
            raw[setting] = value;
        }

        var patch = new JsonObject();
        foreach (var (setting, value) in raw)
        {
            if (setting == UrlsSetting)
            {
                continue;
            }

            if (!PropertiesBySetting.TryGetValue(setting, out var property))
            {
                throw new ArgumentException($"Unknown simulator setting {EnvironmentPrefix}{setting}. Known: {string.Join(", ", EnvironmentVariableNames)}.");
            }

            patch[JsonNamingPolicy.CamelCase.ConvertName(property.Name)] = ToJson(setting, property.PropertyType, value);
        }

        return SimulatorOptionsJson.Merge(baseline ?? new SimulatorOptions(), patch);
    }

    /// <summary>The listen URLs of a standalone run: <c>--urls</c>, else <c>SIM_URLS</c>, else <c>ASPNETCORE_URLS</c>, else <see cref="DefaultUrl"/>.</summary>
    public static IReadOnlyList<string> ResolveUrls(IDictionary environment, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(args);
        var urls = ReadSwitches(args).LastOrDefault(pair => pair.Setting == UrlsSetting).Value
            ?? environment[EnvironmentPrefix + UrlsSetting] as string
            ?? environment["ASPNETCORE_URLS"] as string
            ?? DefaultUrl;
        return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static IEnumerable<(string Setting, string Value)> ReadSwitches(IReadOnlyList<string> args)
    {
        for (var index = 0; index < args.Count; index++)
        {
            var argument = args[index];
            if (!argument.StartsWith("--", StringComparison.Ordinal))
            {
                continue;
            }

            var body = argument[2..];
            string name;
            string value;
            var equals = body.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                name = body[..equals];
                value = body[(equals + 1)..];
            }
            else if (index + 1 < args.Count)
            {
                name = body;
                value = args[++index];
            }
            else
            {
                throw new ArgumentException($"Switch --{body} has no value.");
            }

            var setting = name.Replace('-', '_').ToUpperInvariant();
            if (setting.StartsWith(EnvironmentPrefix, StringComparison.Ordinal))
            {
                setting = setting[EnvironmentPrefix.Length..];
            }

            yield return (setting, value);
        }
    }

    private static JsonNode? ToJson(string setting, Type propertyType, string value)
    {
        if (propertyType == typeof(string))
        {
            return JsonValue.Create(value);
        }

        try
        {
            return JsonNode.Parse(value);
        }
        catch (JsonException) when (value.Contains('=', StringComparison.Ordinal))
        {
            return ParsePairs(value);
        }
        catch (JsonException exception)
        {
            throw new ArgumentException($"{EnvironmentPrefix}{setting}: '{value}' is not a valid value.", exception);
        }
    }

    private static JsonObject ParsePairs(string value)
    {
        var result = new JsonObject();
        foreach (var pair in value.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ArgumentException($"'{pair}' is not a key=value pair.");
            }

            var key = pair[..equals].Trim();
            var text = pair[(equals + 1)..].Trim();
            result[key] = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                ? JsonValue.Create(number)
                : JsonValue.Create(text);
        }

        return result;
    }
}
