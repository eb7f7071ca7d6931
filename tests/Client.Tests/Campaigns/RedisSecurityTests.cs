using System.Text.Json.Nodes;
using Geode.Analysis.Prompts;
using Geode.Silo.Hosting;
using Geode.Tests;
using Xunit.Abstractions;

namespace Geode.Client.Tests.Campaigns;

/// <summary>
/// A cluster on a Redis that wants a password, and on one that speaks only TLS: silos and clients
/// with the right credentials run a campaign (membership, grain storage and reminders all go
/// through that connection); a missing or wrong password, or a server certificate nobody said to
/// trust, is a clear error at once (exit 2) — and the password is never printed.
/// </summary>
[Collection(CampaignCollection.Name)]
public sealed class RedisSecurityTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task A_password_protected_redis_takes_the_password_from_the_string_or_the_environment_and_refuses_others()
    {
        using var folder = new TempFolder();
        string password = $"pw-{Guid.NewGuid():N}";
        await using RedisProcess redis = await RedisProcess.StartAsync(port => RedisProcess.Plain(port, "--requirepass", password, "--save", "", "--appendonly", "no"));

        CliResult missing = await SiloProcess.RunToEndAsync(["silo", "--redis", redis.Endpoint], null, Limit);
        Assert.True(missing.ExitCode == 2, missing.Error);
        Assert.Contains("--redis", missing.Error);
        Assert.Contains(RedisConnectionString.PasswordVariable, missing.Error);

        CliResult wrong = await SiloProcess.RunToEndAsync(["silo", "--redis", $"redis://:not-{password}@{redis.Endpoint}"], null, Limit);
        Assert.True(wrong.ExitCode == 2, wrong.Error);
        Assert.Contains("refused the user or password", wrong.Error);
        Assert.Contains($"redis://:***@{redis.Endpoint}", wrong.Error);
        Assert.DoesNotContain(password, wrong.Error + wrong.Output);

        // The silo reads the password from the environment: nothing on its command line.
        var environment = new Dictionary<string, string> { [RedisConnectionString.PasswordVariable] = password };
        await using SiloProcess silo = await SiloProcess.StartSiloAsync(["--redis", redis.Endpoint], environment);
        try
        {
            CliResult run = await RunTinyCampaign(folder, $"redis://:{password}@{redis.Endpoint}", null);
            Assert.Contains($"--cluster redis://:***@{redis.Endpoint}", run.Error);
            Assert.DoesNotContain(password, run.Error + run.Output);
            string id = (string)JsonNode.Parse(run.Output)!["id"]!;

            CliResult status = await SiloProcess.RunToEndAsync(["status", id, "--cluster", redis.Endpoint, "--json"], environment, Limit);
            Assert.True(status.ExitCode == 0, status.Error);
            Assert.Equal("succeeded", (string?)JsonNode.Parse(status.Output)!["phase"]);

            CliResult refused = await SiloProcess.RunToEndAsync(["watch", id, "--cluster", $"{redis.Endpoint},password=not-{password}"], null, Limit);
            Assert.True(refused.ExitCode == 2, refused.Error);
            Assert.Contains("--cluster", refused.Error);
            Assert.Contains("password=***", refused.Error);

            Assert.DoesNotContain(password, silo.Log);
        }
        catch
        {
            log.WriteLine(silo.Log);
            throw;
        }
    }

    [Fact]
    public async Task A_tls_redis_is_reached_over_rediss_once_its_ca_is_trusted()
    {
        using var folder = new TempFolder();
        TestCertificates tls = TestCertificates.Write(folder.Path);
        await using RedisProcess redis = await RedisProcess.StartAsync(port =>
        [
            "--port", "0", "--tls-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--tls-cert-file", tls.Certificate, "--tls-key-file", tls.Key, "--tls-ca-cert-file", tls.Ca, "--tls-auth-clients", "no",
            "--save", "", "--appendonly", "no",
        ]);
        string url = $"rediss://{redis.Endpoint}";

        CliResult untrusted = await SiloProcess.RunToEndAsync(["silo", "--redis", url], null, Limit);
        Assert.True(untrusted.ExitCode == 2, untrusted.Error);
        Assert.Contains("TLS handshake failed", untrusted.Error);
        Assert.Contains(RedisConnectionString.CaVariable, untrusted.Error);

        var environment = new Dictionary<string, string> { [RedisConnectionString.CaVariable] = tls.Ca };
        await using SiloProcess silo = await SiloProcess.StartSiloAsync(["--redis", url], environment);
        try
        {
            await RunTinyCampaign(folder, url, environment);
        }
        catch
        {
            log.WriteLine(silo.Log);
            throw;
        }
    }

    /// <summary>Runs a campaign of eight prompts (a baseline of four, a capture of eight, in shards of four) on the cluster at <paramref name="cluster"/>; it must succeed.</summary>
    private static async Task<CliResult> RunTinyCampaign(TempFolder folder, string cluster, IReadOnlyDictionary<string, string>? environment)
    {
        var prompts = new JsonArray();
        foreach (PromptRecord record in new[] { "safe_control", "should_refuse" }.SelectMany(c => PromptSet.Builtin().Records.Where(r => r.Category == c).Take(4)))
        {
            prompts.Add(new JsonObject { ["id"] = record.Id, ["category"] = record.Category, ["expected"] = record.Expected == ExpectedBehavior.Refuse ? "refuse" : "comply", ["prompt"] = record.Prompt });
        }

        string promptFile = folder.File("prompts.json");
        await File.WriteAllTextAsync(promptFile, new JsonObject { ["prompts"] = prompts }.ToJsonString());
        string file = folder.File("tiny.yaml");
        await File.WriteAllTextAsync(file, $$"""
            name: tiny
            model:
              path: {{Path.Combine(RepositoryPaths.Root, "models", "organism")}}
            prompts:
              file: {{promptFile}}
            judges: [regex]
            generation: {max_new_tokens: 4, batch: 4}
            stages:
              baseline: {categories: [safe_control]}
              capture: {position: last, input: template}
            """);
        CliResult run = await SiloProcess.RunToEndAsync(["run", file, "--out", folder.File("out"), "--store", folder.File("store"), "--cluster", cluster, "--json", "--no-progress"], environment, Limit);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal("succeeded", (string?)JsonNode.Parse(run.Output)!["phase"]);
        return run;
    }
}
