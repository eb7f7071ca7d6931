using Microsoft.Extensions.Hosting;

namespace Geode.Client.Cluster;

/// <summary>
/// A host lifetime that does nothing: the command decides when the host stops, and Ctrl-C reaches
/// the command (which cancels the campaign cleanly) instead of tearing the silo down under it.
/// </summary>
internal sealed class CommandLifetime : IHostLifetime
{
    /// <inheritdoc />
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
