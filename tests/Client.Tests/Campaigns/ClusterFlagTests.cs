namespace Geode.Client.Tests.Campaigns;

/// <summary>Every command that takes a Redis connection string rejects a bad one as bad input, naming its flag, never printing the password.</summary>
public sealed class ClusterFlagTests
{
    private const string Bad = "redis://:hunter2@cache:99999";

    [Theory]
    [InlineData("silo", "--redis")]
    [InlineData("run", "--cluster")]
    [InlineData("status", "--cluster")]
    [InlineData("watch", "--cluster")]
    [InlineData("cancel", "--cluster")]
    public async Task A_bad_connection_string_exits_2_naming_the_flag_and_hiding_the_password(string command, string flag)
    {
        string[] args = command switch
        {
            "silo" => ["silo", "--redis", Bad],
            "run" => ["run", "no-such-campaign.yaml", "--cluster", Bad],
            _ => [command, "some-campaign", "--cluster", Bad],
        };

        CliResult result = await CliRunner.RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{flag} 'redis://:***@cache:99999' is not a Redis connection string", result.Error);
        Assert.DoesNotContain("hunter2", result.Error + result.Output);
    }
}
