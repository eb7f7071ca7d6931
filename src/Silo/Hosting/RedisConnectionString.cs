using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Geode.Model;
using StackExchange.Redis;

namespace Geode.Silo.Hosting;

/// <summary>
/// The Redis connection strings <c>geode silo --redis</c> and <c>geode run|status|watch|cancel
/// --cluster</c> accept:
/// <list type="bullet">
/// <item><c>HOST:PORT</c></item>
/// <item><c>redis://[USER[:PASSWORD]@]HOST[:PORT][/DB]</c> (port 6379 by default; user and password URL-encoded)</item>
/// <item><c>rediss://…</c>: the same over TLS</item>
/// <item>StackExchange.Redis's own form, <c>HOST:PORT,password=…,ssl=true,…</c></item>
/// </list>
/// A password not in the string is read from <see cref="PasswordVariable"/>, so it need not appear
/// on a command line (or in <c>ps</c>); over TLS, a CA certificate to trust besides the system's
/// from <see cref="CaVariable"/>.
/// </summary>
public static class RedisConnectionString
{
    /// <summary>The environment variable with the Redis password, used when the connection string has none.</summary>
    public const string PasswordVariable = "GEODE_REDIS_PASSWORD";

    /// <summary>The environment variable with the path of a PEM (or DER) CA certificate that signs the Redis server's TLS certificate.</summary>
    public const string CaVariable = "GEODE_REDIS_CA";

    private const string Forms = "use HOST:PORT, redis://[USER:PASSWORD@]HOST:PORT, rediss://… for TLS, or HOST:PORT,password=…,ssl=true";

    /// <summary>Parses <paramref name="text"/> into Redis options (never aborting on a failed first connect: Redis may come up later; reconnecting every second).</summary>
    /// <param name="text">The connection string.</param>
    /// <param name="option">The flag it was given with, named in errors (<c>--redis</c>, <c>--cluster</c>).</param>
    /// <param name="environment">Reads an environment variable (default: the process's).</param>
    /// <exception cref="BadInputException">The text is not a connection string, or the CA file cannot be read.</exception>
    public static ConfigurationOptions Parse(string text, string option = "--redis", Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        environment ??= Environment.GetEnvironmentVariable;
        string trimmed = text.Trim();
        ConfigurationOptions options = trimmed.Contains("://", StringComparison.Ordinal)
            ? ParseUrl(trimmed, option)
            : trimmed.Contains(',', StringComparison.Ordinal) || trimmed.Contains('=', StringComparison.Ordinal)
                ? ParseStackExchange(trimmed, option)
                : ParseEndpoint(trimmed, option);

        if (string.IsNullOrEmpty(options.Password) && environment(PasswordVariable) is { Length: > 0 } password)
        {
            options.Password = password;
        }

        if (options.Ssl && environment(CaVariable) is { Length: > 0 } ca)
        {
            options.TrustIssuer(LoadCertificate(ca));
        }

        options.AbortOnConnectFail = false;

        // Reconnect every second rather than backing off to ten: a campaign paused while Redis was
        // away resumes as soon as it answers.
        options.ReconnectRetryPolicy = new LinearRetry(1000);
        return options;
    }

    /// <summary><paramref name="text"/> with any password in it replaced by <c>***</c>: for messages and logs.</summary>
    public static string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            string rest = text[(scheme + 3)..];
            int at = rest.LastIndexOf('@');
            int colon = rest.IndexOf(':', StringComparison.Ordinal);
            return at >= 0 && colon >= 0 && colon < at ? $"{text[..(scheme + 3)]}{rest[..colon]}:***{rest[at..]}" : text;
        }

        return string.Join(',', text.Split(',').Select(part =>
            part.TrimStart().StartsWith("password=", StringComparison.OrdinalIgnoreCase) ? $"{part[..(part.IndexOf('=', StringComparison.Ordinal) + 1)]}***" : part));
    }

    private static ConfigurationOptions ParseUrl(string text, string option)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || uri.Host.Length == 0 || uri.Port == 0)
        {
            throw Bad(text, option, "it is not a URL with a host and a port");
        }

        bool tls = uri.Scheme switch
        {
            "redis" => false,
            "rediss" => true,
            _ => throw Bad(text, option, $"the scheme is {uri.Scheme}:// (redis:// or rediss:// for TLS)"),
        };

        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw Bad(text, option, "a URL takes no ?query or #fragment; give other settings in the StackExchange form (HOST:PORT,name=value,…)");
        }

        var options = new ConfigurationOptions { Ssl = tls };
        string path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            options.DefaultDatabase = int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out int database)
                ? database
                : throw Bad(text, option, $"the path /{path} is not a database number");
        }

        int port = uri.Port > 0 ? uri.Port : 6379;
        if (uri.HostNameType == UriHostNameType.IPv6)
        {
            options.EndPoints.Add(IPAddress.Parse(uri.Host.Trim('[', ']')), port);
        }
        else
        {
            options.EndPoints.Add(uri.Host, port);
        }

        if (tls)
        {
            options.SslHost = uri.IdnHost;
        }

        if (uri.UserInfo.Length > 0)
        {
            int colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            string user = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            options.User = user.Length > 0 ? user : null;
            options.Password = colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }

        return options;
    }

    private static ConfigurationOptions ParseStackExchange(string text, string option)
    {
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(text);
        }
        catch (ArgumentException e)
        {
            throw Bad(text, option, e.Message);
        }

        return options.EndPoints.Count > 0 ? options : throw Bad(text, option, "it names no HOST:PORT");
    }

    private static ConfigurationOptions ParseEndpoint(string text, string option)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is <= 0 or > 65535)
        {
            throw Bad(text, option, "it has no HOST:PORT");
        }

        return ParseStackExchange(text, option);
    }

    private static X509Certificate2 LoadCertificate(string path)
    {
        try
        {
            string content = File.ReadAllText(path);
            return content.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)
                ? X509Certificate2.CreateFromPem(content)
                : X509CertificateLoader.LoadCertificateFromFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new BadInputException($"{CaVariable}={path}: cannot read a CA certificate from it ({e.Message}).", path, CaVariable);
        }
    }

    private static BadInputException Bad(string text, string option, string why) =>
        new($"{option} '{Redact(text)}' is not a Redis connection string: {why}; {Forms}.", option);
}
