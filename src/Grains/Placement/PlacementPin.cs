namespace Geode.Grains.Placement;

/// <summary>
/// Asks compute placement for a particular silo: the coordinator sets the target in the
/// <see cref="RequestContext"/> of the first call to a new shard or trial activation, and the
/// placement director honours it while that silo is a live compute silo (falling back to its own
/// choice otherwise). This is how pull dispatch gives a unit to the silo whose slot freed.
/// </summary>
public static class PlacementPin
{
    /// <summary>The request-context key: the target's <see cref="SiloAddress.ToParsableString"/>.</summary>
    public const string Key = "geode.placement.silo";

    /// <summary>
    /// Runs <paramref name="call"/> with the target set, and removes it again before returning, so
    /// later calls from the same flow (aggregator merges, status) are not pinned. Orleans copies the
    /// request context into the message when the call is made, before the first await.
    /// </summary>
    /// <param name="silo">The target's parsable address, or null or empty for no preference.</param>
    /// <param name="call">Starts the grain call.</param>
    public static Task<T> Call<T>(string? silo, Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (string.IsNullOrEmpty(silo))
        {
            return call();
        }

        RequestContext.Set(Key, silo);
        try
        {
            return call();
        }
        finally
        {
            RequestContext.Remove(Key);
        }
    }

    /// <summary>The silo <paramref name="requestContext"/> asks for, or null when it names none or cannot be parsed.</summary>
    public static SiloAddress? Target(IReadOnlyDictionary<string, object>? requestContext)
    {
        if (requestContext is null || !requestContext.TryGetValue(Key, out object? value) || value is not string text || text.Length == 0)
        {
            return null;
        }

        try
        {
            return SiloAddress.FromParsableString(text);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
