using System.Net;
using Geode.Model;
using Geode.Silo.Hosting;
using Geode.Tests;
using StackExchange.Redis;

namespace Geode.Silo.Tests.Hosting;

/// <summary>The connection strings <c>--redis</c> and <c>--cluster</c> take, the password from the environment, and redaction.</summary>
public sealed class RedisConnectionStringTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Theory]
    [InlineData("127.0.0.1:6379", "127.0.0.1", 6379)]
    [InlineData("redis://cache.internal:7000", "cache.internal", 7000)]
    [InlineData("redis://cache.internal", "cache.internal", 6379)]
    [InlineData("cache.internal:7000,connectTimeout=2000", "cache.internal", 7000)]
    public void An_endpoint_is_read_from_every_form(string text, string host, int port)
    {
        ConfigurationOptions options = RedisConnectionString.Parse(text, environment: NoEnvironment);

        Assert.Equal((host, port), HostAndPort(Assert.Single(options.EndPoints)));
        Assert.False(options.Ssl);
        Assert.Null(options.Password);
        Assert.False(options.AbortOnConnectFail);
    }

    [Fact]
    public void A_url_carries_user_password_and_database_url_encoded()
    {
        ConfigurationOptions options = RedisConnectionString.Parse("redis://alice:p%40ss%3Aword@cache:6380/2", environment: NoEnvironment);

        Assert.Equal("alice", options.User);
        Assert.Equal("p@ss:word", options.Password);
        Assert.Equal(2, options.DefaultDatabase);
    }

    [Fact]
    public void A_url_with_only_a_password_has_no_user()
    {
        ConfigurationOptions options = RedisConnectionString.Parse("redis://:secret@cache:6379", environment: NoEnvironment);

        Assert.Null(options.User);
        Assert.Equal("secret", options.Password);
    }

    [Fact]
    public void Rediss_is_tls_checked_against_the_host_name()
    {
        ConfigurationOptions options = RedisConnectionString.Parse("rediss://cache.internal:6380", environment: NoEnvironment);

        Assert.True(options.Ssl);
        Assert.Equal("cache.internal", options.SslHost);
        Assert.False(RedisConnectionString.Parse("redis://cache.internal:6380", environment: NoEnvironment).Ssl);
    }

    [Fact]
    public void The_stack_exchange_form_carries_password_and_tls()
    {
        ConfigurationOptions options = RedisConnectionString.Parse("cache:6380,password=secret,ssl=true,sslHost=redis.example", environment: NoEnvironment);

        Assert.Equal("secret", options.Password);
        Assert.True(options.Ssl);
        Assert.Equal("redis.example", options.SslHost);
    }

    [Fact]
    public void An_ipv6_url_is_an_ip_endpoint()
    {
        ConfigurationOptions options = RedisConnectionString.Parse("redis://[::1]:6379", environment: NoEnvironment);

        IPEndPoint endpoint = Assert.IsType<IPEndPoint>(Assert.Single(options.EndPoints));
        Assert.Equal(IPAddress.IPv6Loopback, endpoint.Address);
        Assert.Equal(6379, endpoint.Port);
    }

    [Fact]
    public void The_password_comes_from_the_environment_when_the_string_has_none()
    {
        Func<string, string?> environment = name => name == RedisConnectionString.PasswordVariable ? "from-env" : null;

        Assert.Equal("from-env", RedisConnectionString.Parse("cache:6379", environment: environment).Password);
        Assert.Equal("from-env", RedisConnectionString.Parse("redis://alice@cache:6379", environment: environment).Password);
        Assert.Equal("given", RedisConnectionString.Parse("redis://:given@cache:6379", environment: environment).Password);
        Assert.Equal("given", RedisConnectionString.Parse("cache:6379,password=given", environment: environment).Password);
    }

    [Fact]
    public void A_ca_file_from_the_environment_is_read_for_tls_only()
    {
        using var folder = new TempFolder();
        TestCertificates files = TestCertificates.Write(folder.Path);
        string garbage = folder.File("garbage.pem");
        File.WriteAllText(garbage, "not a certificate");
        string? ca = files.Ca;
        Func<string, string?> environment = name => name == RedisConnectionString.CaVariable ? ca : null;

        // Whether the CA is then trusted is shown against a real TLS Redis (Client.Tests, RedisSecurityTests).
        Assert.True(RedisConnectionString.Parse("rediss://localhost:6380", environment: environment).Ssl);
        ca = garbage;
        Assert.Throws<BadInputException>(() => RedisConnectionString.Parse("rediss://localhost:6380", environment: environment));
        Assert.False(RedisConnectionString.Parse("redis://localhost:6379", environment: environment).Ssl);
    }

    [Fact]
    public void A_ca_file_that_cannot_be_read_is_bad_input_naming_the_variable()
    {
        Func<string, string?> environment = name => name == RedisConnectionString.CaVariable ? "/no/such/ca.pem" : null;

        var e = Assert.Throws<BadInputException>(() => RedisConnectionString.Parse("rediss://localhost:6380", environment: environment));

        Assert.Contains(RedisConnectionString.CaVariable, e.Message);
        Assert.Contains("/no/such/ca.pem", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("cache")]
    [InlineData("cache:notaport")]
    [InlineData("cache:70000")]
    [InlineData("http://cache:6379")]
    [InlineData("redis://cache:6379?ssl=true")]
    [InlineData("redis://cache:6379/zero")]
    [InlineData("redis://:secret@cache:99999")]
    [InlineData("cache:6379,password=secret,nosuchsetting=1")]
    public void A_bad_string_is_bad_input_naming_the_flag_and_never_the_password(string text)
    {
        var e = Assert.Throws<BadInputException>(() => RedisConnectionString.Parse(text, "--cluster", NoEnvironment));

        Assert.Equal("--cluster", e.Source);
        Assert.StartsWith("--cluster", e.Message);
        Assert.DoesNotContain("secret", e.Message);
    }

    [Theory]
    [InlineData("redis://:secret@cache:6379", "redis://:***@cache:6379")]
    [InlineData("rediss://alice:secret@cache:6379/1", "rediss://alice:***@cache:6379/1")]
    [InlineData("redis://alice@cache:6379", "redis://alice@cache:6379")]
    [InlineData("cache:6379,password=secret,ssl=true", "cache:6379,password=***,ssl=true")]
    [InlineData("cache:6379, Password=secret", "cache:6379, Password=***")]
    [InlineData("cache:6379", "cache:6379")]
    public void Redacting_hides_the_password_and_keeps_the_rest(string text, string redacted)
    {
        Assert.Equal(redacted, RedisConnectionString.Redact(text));
    }

    private static (string Host, int Port) HostAndPort(EndPoint endpoint) => endpoint switch
    {
        DnsEndPoint dns => (dns.Host, dns.Port),
        IPEndPoint ip => (ip.Address.ToString(), ip.Port),
        _ => throw new InvalidOperationException($"unexpected endpoint {endpoint}"),
    };
}
