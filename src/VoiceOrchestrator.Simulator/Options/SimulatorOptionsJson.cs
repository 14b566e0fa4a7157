using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace VoiceOrchestrator.Simulator;

/// <summary>
/// JSON form of the settings and of the rest of the control API (camelCase), and the partial merge behind
/// <c>PUT /_sim/config</c> and the <c>SIM_*</c> variables.
/// </summary>
internal static class SimulatorOptionsJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>
    /// Top-level properties present in <paramref name="patch"/> replace the current values; nested objects and maps
    /// are replaced whole, so a patch never leaves half of an old outcome mix behind.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown setting, wrong JSON type or invalid value.</exception>
    public static SimulatorOptions Merge(SimulatorOptions current, JsonObject patch)
    {
        var merged = JsonSerializer.SerializeToNode(current, Options)!.AsObject();
        var knownNames = merged.Select(property => property.Key).ToList();
        foreach (var (name, value) in patch)
        {
            var knownName = knownNames.FirstOrDefault(known => string.Equals(known, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"Unknown setting '{name}'.");
            merged[knownName] = value?.DeepClone();
        }

        SimulatorOptions? result;
        try
        {
            result = merged.Deserialize<SimulatorOptions>(Options);
        }
        catch (JsonException exception)
        {
            throw new ArgumentException($"Invalid setting at '{exception.Path}': {exception.Message}", exception);
        }

        return SimulatorOptionsValidator.Validated(result ?? throw new ArgumentException("Settings must be a JSON object."));
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            WriteIndented = false,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
