using Geode.Model.Native;
using Geode.Silo.Hosting;
using Microsoft.Extensions.Hosting;

// `dotnet run --project src/Silo -- [--redis REDIS]`: a compute silo on the CPU (REDIS: any connection
// string `geode silo` takes). `geode silo` offers the full set of flags (device, libtorch, ports,
// role); this entry point stays minimal.
string? redis = args.SkipWhile(a => a != "--redis").Skip(1).FirstOrDefault();
TorchRuntime.Initialize(TorchRuntimeOptions.Default);
IHost host = Host.CreateDefaultBuilder()
    .UseOrleans(silo => silo.UseGeode(new GeodeSiloOptions
    {
        Redis = redis,
        SiloPort = redis is null ? 11111 : 0,
        GatewayPort = redis is null ? 30000 : 0,
    }))
    .Build();

await host.RunAsync();
