namespace Geode.Client.Tests.Monitoring;

/// <summary>One sample of a Prometheus text-format scrape.</summary>
/// <param name="Name">The sample's name, suffix included (<c>_total</c>, <c>_bucket</c>, <c>_sum</c>, <c>_count</c>).</param>
/// <param name="Labels">Its labels.</param>
/// <param name="Value">Its value.</param>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
