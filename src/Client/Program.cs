using Geode.Client;

return await GeodeCli.RunAsync(args, Console.Out, Console.Error);
