using Geode.Analysis.Evaluation;
using Geode.Benchmarks.Wire;

namespace Geode.Benchmarks.Tests;

public sealed class ResponseRecordStreamBenchmarksTests
{
    [Fact]
    public void Benchmarks_RunOnce_ReadBackWhatWasEncoded()
    {
        ResponseRecordStreamBenchmarks suite = BenchmarkRun.SetUp<ResponseRecordStreamBenchmarks>();
        try
        {
            IReadOnlyDictionary<string, object?> results = BenchmarkRun.RunAll(suite);

            Assert.Equal(File.ReadAllBytes(suite.FilePath), (byte[])results["Encode"]!);
            var read = (IReadOnlyList<(ResponseRecord Record, string? Variant)>)results["Read"]!;
            Assert.Equal(340, read.Count);
            foreach (((ResponseRecord record, string? variant), ResponseRecord written) in read.Zip(suite.Records))
            {
                Assert.Equal("diff-of-means-a1.0", variant);
                Assert.Equal((written.Record.Id, written.Response, written.Tokens, written.BatchSeconds), (record.Record.Id, record.Response, record.Tokens, record.BatchSeconds));
                Assert.Equal(written.Verdicts, record.Verdicts);
            }
        }
        finally
        {
            BenchmarkRun.CleanUp(suite);
        }
    }
}
