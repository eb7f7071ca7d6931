using System.Security.Authentication;
using Geode.Model;
using StackExchange.Redis;

namespace Geode.Silo.Hosting;

/// <summary>
/// Connects to Redis once before a silo or client starts, so that a wrong or missing password, or a
/// server certificate that is not trusted, is a clear error at once instead of minutes of Orleans
/// retrying to join. A Redis that cannot be reached at all is left to Orleans, which waits for it:
/// silos may start before Redis does.
/// </summary>
public static class RedisCredentialsCheck
{
    // Short: a Redis that does not answer in time is left to Orleans, as one that is not there.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>Throws when Redis at <paramref name="options"/> answers but refuses the connection's credentials or TLS.</summary>
    /// <param name="options">The parsed connection string.</param>
    /// <param name="text">The connection string as given (redacted in messages).</param>
    /// <param name="option">The flag it was given with (<c>--redis</c>, <c>--cluster</c>).</param>
    /// <exception cref="BadInputException">Redis refused the password or user, or the TLS handshake failed.</exception>
    public static async Task VerifyAsync(ConfigurationOptions options, string text, string option)
    {
        ArgumentNullException.ThrowIfNull(options);
        ConfigurationOptions probe = options.Clone();
        probe.AbortOnConnectFail = true;
        probe.ConnectRetry = 1;
        probe.ConnectTimeout = (int)Timeout.TotalMilliseconds;
        try
        {
            await using ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(probe);
            await redis.GetDatabase().PingAsync();
        }
        catch (RedisConnectionException e) when (Refusal(e, options) is string why)
        {
            throw new BadInputException($"{option} {RedisConnectionString.Redact(text)}: {why}", option, inner: e);
        }
        catch (RedisConnectionException)
        {
            // Not reachable (yet): Orleans keeps trying, as it always has.
        }
    }

    /// <summary>What refused the connection, in words, or null when nothing did (Redis is just not there).</summary>
    private static string? Refusal(RedisConnectionException e, ConfigurationOptions options)
    {
        if (Chain(e).OfType<AuthenticationException>().FirstOrDefault() is { } tls)
        {
            return $"the TLS handshake failed ({tls.Message}); trust the CA that signed the server's certificate with {RedisConnectionString.CaVariable}=FILE.";
        }

        bool refused = e.FailureType == ConnectionFailureType.AuthenticationFailure
            || Chain(e).Any(x => x.Message.Contains("NOAUTH", StringComparison.Ordinal) || x.Message.Contains("WRONGPASS", StringComparison.Ordinal));
        if (!refused)
        {
            return null;
        }

        return string.IsNullOrEmpty(options.Password)
            ? $"Redis requires a password: give it in the connection string (redis://:PASSWORD@HOST:PORT) or, to keep it off the command line, in {RedisConnectionString.PasswordVariable}."
            : "Redis refused the user or password.";
    }

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            yield return x;
        }
    }
}
