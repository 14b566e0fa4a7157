using System.Buffers;
using System.Text;
using System.Text.Json;
using VoiceOrchestrator.Api;
using VoiceOrchestrator.Hosting;

namespace VoiceOrchestrator.Tests.Api;

/// <summary>
/// A bulk item's variables and metadata are bound as text (<see cref="RawJsonValue"/>) rather than
/// as a <see cref="JsonElement"/>: the text stored and the validation errors must be exactly those
/// of the element, whatever the value and however the request body arrives.
/// </summary>
public sealed class RawJsonValueTests
{
    private static readonly JsonSerializerOptions Options = WebOptions();

    public static TheoryData<string> Values() =>
    [
        """{"customerName":"Lead 1","orderId":"A-1"}""",
        """{}""",
        """{ }""",
        """{"a": 1, "b" :true}""",
        "{\n  \"name\": \"Ana\"\n}",
        """{"n":-1.50e+3,"t":true,"f":false,"z":null,"s":""}""",
        """{"esc\"aped":"tab\there \u00e9 \ud83d\ude00 \\ \/","é":"ünïcode ✓"}""",
        """{"nested":{"a":1},"list":[1,2],"ok":"x","nested":[]}""",
        """{"deep":{"deeper":{"deepest":[{"x":1}]}}}""",
        """{"dup":1,"dup":2}""",
        """[1,2]""",
        "\"text\"",
        """42""",
        """true""",
        "{\"big\":\"" + new string('v', 20_000) + "\"}",
        "{\"edge\":\"" + new string('v', JsonValues.MaxObjectBytes - 12) + "\"}",
    ];

    [Theory]
    [MemberData(nameof(Values))]
    public void TextAndErrorsAreThoseOfTheElement(string value)
    {
        var body = $$"""{"toNumber":"+14155550100","variables":{{value}},"metadata":{{value}},"fromNumber":"+14155550101"}""";
        var expected = JsonSerializer.Deserialize<ElementItem>(body, Options)!;

        foreach (var segmentSize in new[] { 0, 1, 3, 7 })
        {
            var actual = segmentSize == 0 ? JsonSerializer.Deserialize<Item>(body, Options)! : FromSegments(body, segmentSize);
            Assert.Equal("+14155550101", actual.FromNumber);
            foreach (var primitivesOnly in new[] { true, false })
            {
                var expectedErrors = new ValidationErrors();
                var actualErrors = new ValidationErrors();
                Assert.Equal(
                    JsonValues.ObjectText(expected.Variables, "variables", expectedErrors, primitivesOnly),
                    JsonValues.ObjectText(actual.Variables, "variables", actualErrors, primitivesOnly));
                Assert.Equal(Describe(expectedErrors), Describe(actualErrors));
                Assert.Equal(expected.Metadata!.Value.GetRawText(), actual.Metadata!.Text);
            }
        }
    }

    [Fact]
    public void NullAndAbsentAreNull()
    {
        var item = JsonSerializer.Deserialize<Item>("""{"variables":null}""", Options)!;
        Assert.Null(item.Variables);
        Assert.Null(item.Metadata);
        Assert.Null(JsonValues.ObjectText(item.Variables, "variables", new ValidationErrors(), primitivesOnly: true));
    }

    [Fact]
    public void MalformedJsonIsAJsonError()
    {
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<Item>("""{"variables":{"a":1,}}""", Options));
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<Item>("""{"variables":{"a" 1}}""", Options));
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<Item>("""{"variables":{"a":1""", Options));
    }

    private static JsonSerializerOptions WebOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        OrchestratorApp.ConfigureJson(options);
        return options;
    }

    /// <summary>Reads the body split into segments of <paramref name="size"/> bytes, so that tokens straddle segments.</summary>
    private static Item FromSegments(string body, int size)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        Segment? first = null, last = null;
        for (var offset = 0; offset < bytes.Length; offset += size)
        {
            var chunk = bytes.AsMemory(offset, Math.Min(size, bytes.Length - offset));
            last = last is null ? first = new Segment(chunk, 0) : last.Append(chunk);
        }

        var reader = new Utf8JsonReader(new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length));
        return JsonSerializer.Deserialize<Item>(ref reader, Options)!;
    }

    private static string Describe(ValidationErrors errors) =>
        string.Join("; ", errors.ToDictionary().Select(e => e.Key + ": " + string.Join(" | ", e.Value)));

    private sealed record Item(string? FromNumber, RawJsonValue? Variables, RawJsonValue? Metadata);

    private sealed record ElementItem(string? FromNumber, JsonElement? Variables, JsonElement? Metadata);

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
