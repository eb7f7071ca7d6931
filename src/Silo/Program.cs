using Geode.Silo.Placement;
using Microsoft.Extensions.Hosting;

// A single silo on localhost with in-memory grain storage. Redis clustering, metrics and the
// model worker arrive with the cluster issue; `geode silo` will share this host's set-up.
IHost host = Host.CreateDefaultBuilder(args)
    .UseOrleans(silo => silo
        .UseLocalhostClustering()
        .AddMemoryGrainStorageAsDefault()
        .UseGeodeRole(compute: true))
    .Build();

await host.RunAsync();
