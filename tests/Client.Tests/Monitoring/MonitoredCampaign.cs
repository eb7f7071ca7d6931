using System.Globalization;
using Geode.Analysis.Prompts;
using Geode.Client.Tests.Campaigns;
using Geode.Grains.Campaigns;
using Geode.Silo.Hosting;
using Geode.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Geode.Client.Tests.Monitoring;

/// <summary>
/// A <c>geode silo --metrics-port N</c> process (no Redis: localhost clustering) that has run the
/// <see cref="SmallCampaign"/> to the end — every stage, so shards and trials — and keeps running
/// for the tests to scrape. The campaign is sent by an Orleans client connected to the silo's
/// gateway, as <c>geode run --cluster</c> would.
/// </summary>
public sealed class MonitoredCampaign : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private SiloProcess? _silo;

    /// <summary>The silo's metrics port (on loopback).</summary>
    public int MetricsPort { get; } = GeodeSiloExtensions.FreePort();

    /// <summary>The scrape URL.</summary>
    public Uri MetricsUrl => new($"http://127.0.0.1:{MetricsPort}{GeodeHttpEndpoints.MetricsPath}");

    /// <summary>How the campaign ended.</summary>
    public CampaignStatus? Status { get; private set; }

    /// <summary>The campaign's prompts: their ids and texts must not appear in any label.</summary>
    internal IReadOnlyList<PromptRecord> Prompts { get; } = SmallCampaign.Prompts();

    /// <summary>What the silo printed so far.</summary>
    public string SiloLog => _silo?.Log ?? string.Empty;

    /// <summary>One scrape of <see cref="MetricsUrl"/>.</summary>
    public async Task<string> ScrapeAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        return await http.GetStringAsync(MetricsUrl);
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        string file = _folder.File("small.yaml");
        await SmallCampaign.WriteAsync(file, _folder.File("prompts.json"));
        int gateway = GeodeSiloExtensions.FreePort();
        string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
        _silo = await SiloProcess.StartSiloAsync(["--port", Text(GeodeSiloExtensions.FreePort()), "--gateway-port", Text(gateway), "--metrics-port", Text(MetricsPort)]);
        try
        {
            Status = await RunCampaign(file, gateway);
        }
        catch (Exception e)
        {
            string log = _silo.Log;
            await _silo.DisposeAsync();
            _silo = null;
            throw new InvalidOperationException($"The monitored campaign did not run: {e.Message}\n{log}", e);
        }
    }

    private async Task<CampaignStatus> RunCampaign(string file, int gateway)
    {
        IHost client = new HostBuilder()
            .UseOrleansClient(c =>
            {
                c.UseLocalhostClustering(gateway, serviceId: "geode", clusterId: "geode");
                c.Configure<MessagingOptions>(o => o.MaxMessageBodySize = GeodeSiloExtensions.MaxMessageBodySize);
            })
            .Build();
        await client.StartAsync();
        try
        {
            ICampaignGrain grain = client.Services.GetRequiredService<IClusterClient>().GetGrain<ICampaignGrain>("monitored");
            CampaignStatus status = await grain.Start(new CampaignRequest("monitored", file, await File.ReadAllTextAsync(file), _folder.File("out"), _folder.File("store")));
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
            while (!status.IsFinished)
            {
                await Task.Delay(500, timeout.Token);
                status = await grain.Status();
            }

            return status;
        }
        finally
        {
            await client.StopAsync();
            client.Dispose();
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }

        _folder.Dispose();
    }
}
