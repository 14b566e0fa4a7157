using System.Text.RegularExpressions;
using Npgsql;
using VoiceOrchestrator.Conversations;

namespace VoiceOrchestrator.Tests.Conversations;

/// <summary>
/// The positional upserts PostgreSQL is sent: every named parameter numbered, in the order the unnamed parameters
/// are bound. The webhook and sync tests write through them; this names the cause when the two drift apart.
/// </summary>
public sealed partial class ConversationUpsertSqlTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EachPositionalUpsertNumbersTheParametersInTheOrderTheyAreBound(bool workspaceFromCall)
    {
        var upsert = new ConversationUpsert(new Conversation { ConversationId = "conv_1", WorkspaceId = "ws_1", CallId = Guid.CreateVersion7() }, workspaceFromCall);
        using var named = new NpgsqlCommand();
        ConversationWriter.Bind(named.Parameters, named.CreateParameter, upsert, sqlite: false);
        using var positional = new NpgsqlCommand();
        ConversationWriter.Bind(positional.Parameters, positional.CreateParameter, upsert, sqlite: false, named: false);

        Assert.DoesNotContain("@", upsert.PositionalSql, StringComparison.Ordinal);
        Assert.All(positional.Parameters, parameter => Assert.True(string.IsNullOrEmpty(parameter.ParameterName)));
        var namedPlaceholders = Placeholder().Matches(upsert.Sql).Select(m => m.Value.TrimStart('@')).ToList();
        var positions = PositionalPlaceholder().Matches(upsert.PositionalSql).Select(m => int.Parse(m.Value[1..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(namedPlaceholders.Count, positions.Count);
        for (var i = 0; i < positions.Count; i++)
        {
            // The placeholder at the same place in both texts names the parameter bound at that position.
            Assert.Equal(namedPlaceholders[i], named.Parameters[positions[i] - 1].ParameterName.TrimStart('@'));
        }

        Assert.Equal(positional.Parameters.Count, positions.Max());
    }

    [GeneratedRegex(@"@\w+")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\$\d+")]
    private static partial Regex PositionalPlaceholder();
}
