namespace Geode.Tests.Fuzz;

/// <summary>One fuzz case: the bytes a loader is given and how they were made from a valid file.</summary>
/// <param name="Bytes">The (possibly hostile) file content.</param>
/// <param name="Mutation">What was done to which base file, in words, so a failure can be understood and reproduced.</param>
internal sealed record FuzzInput(byte[] Bytes, string Mutation);
