using System.Text;

namespace VoiceOrchestrator.Simulator.Tests;

public sealed class WebhookSignatureTests
{
    private const string VectorSecret = "wsec_test_secret";
    private const long VectorTimestamp = 1739537297;
    private const string VectorBody = """{"type":"post_call_transcription","event_timestamp":1739537297,"data":{"agent_id":"xyz","conversation_id":"abc"}}""";
    private const string VectorHeader = "t=1739537297,v0=56c255208ac31944e833c7edacb091a1d845f075a6a781576269c7ff188bc125";

    [Fact]
    public void Contract_test_vector_is_reproduced_byte_for_byte()
    {
        Assert.Equal(VectorHeader, WebhookSignature.CreateHeader(VectorSecret, VectorTimestamp, VectorBody));
        Assert.Equal(VectorHeader, WebhookSignature.CreateHeader(VectorSecret, VectorTimestamp, Encoding.UTF8.GetBytes(VectorBody)));
    }

    [Fact]
    public void Independent_verifier_accepts_the_vector_and_rejects_a_changed_body()
    {
        Assert.True(IndependentSignature.IsValid(VectorHeader, Encoding.UTF8.GetBytes(VectorBody), VectorSecret, out var timestamp));
        Assert.Equal(VectorTimestamp, timestamp);
        Assert.False(IndependentSignature.IsValid(VectorHeader, Encoding.UTF8.GetBytes(VectorBody + " "), VectorSecret, out _));
        Assert.False(IndependentSignature.IsValid(VectorHeader, Encoding.UTF8.GetBytes(VectorBody), "other_secret", out _));
    }
}
