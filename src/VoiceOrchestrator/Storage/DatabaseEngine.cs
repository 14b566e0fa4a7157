using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;

namespace VoiceOrchestrator.Storage;

/// <summary>Which engine a context talks to.</summary>
public static class DatabaseEngine
{
    /// <summary>
    /// True on PostgreSQL. EF's <c>IsNpgsql()</c> reads the provider assembly's name on every call, an allocation of
    /// an <see cref="System.Reflection.AssemblyName"/> and its strings per transition and per claim (a few percent of
    /// everything the service allocated in a wave of webhooks); the context's connection answers without one.
    /// </summary>
    public static bool IsPostgres(this DatabaseFacade database) => database.GetDbConnection() is NpgsqlConnection;
}
