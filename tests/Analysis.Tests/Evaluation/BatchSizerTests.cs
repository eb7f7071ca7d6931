using Geode.Analysis.Evaluation;

namespace Geode.Analysis.Tests.Evaluation;

/// <summary>The batch-size search on cost models whose best size is known in closed form.</summary>
public sealed class BatchSizerTests
{
    // A batch of b rows costs a fixed overhead plus per-row work that grows once b passes a
    // saturation point: rows/s = b / (overhead + b·perRow·(1 + max(0, b − knee)/knee)).
    private static double Seconds(int rows, double overhead, double perRow, int knee) =>
        overhead + (rows * perRow * (1 + (Math.Max(0, rows - knee) / (double)knee)));

    [Theory]
    [InlineData(8, 1024, 0.5, 0.001, 128, 256)]   // rows/s at 128, 256, 512: 204, 253, 201 — it passes the knee once, then stops
    [InlineData(8, 64, 0.5, 0.001, 128, 64)]      // the cap comes first
    [InlineData(32, 1024, 0.0, 0.01, 16, 32)]     // no overhead and past the knee already: the start is best
    public void It_doubles_while_throughput_rises_and_settles_on_the_best_size(int initial, int maximum, double overhead, double perRow, int knee, int expected)
    {
        var sizer = new BatchSizer(initial, maximum);
        var tried = new List<int>();
        for (int batch = 0; batch < 20 && !sizer.Settled; batch++)
        {
            int rows = sizer.Next;
            tried.Add(rows);
            sizer.Record(rows, Seconds(rows, overhead, perRow, knee));
        }

        Assert.True(sizer.Settled, $"tried {string.Join(",", tried)}");
        Assert.Equal(expected, sizer.Next);
        Assert.All(tried, size => Assert.True(size <= maximum));
    }

    [Fact]
    public void A_short_last_batch_and_a_settled_search_are_ignored()
    {
        var sizer = new BatchSizer(16, 64);
        sizer.Record(5, 0.001);                 // a remainder: not the size being tried
        Assert.Equal(16, sizer.Next);
        sizer.Record(16, 1.0);
        Assert.Equal(32, sizer.Next);
        sizer.Record(32, 4.0);                  // half the throughput: back to 16, settled
        Assert.True(sizer.Settled);
        Assert.Equal(16, sizer.Next);
        sizer.Record(16, 100.0);
        Assert.Equal(16, sizer.Next);
    }

    [Fact]
    public void One_slow_batch_does_not_end_the_search_when_sizes_are_measured_more_than_once()
    {
        var sizer = new BatchSizer(8, 64, trialsPerSize: 3);
        double[] secondsAt8 = [0.5, 0.5, 0.5];
        double[] secondsAt16 = [0.6, 5.0, 0.6];   // one outlier; the median is 0.6 s for 16 rows
        foreach (double s in secondsAt8)
        {
            sizer.Record(8, s);
        }

        foreach (double s in secondsAt16)
        {
            sizer.Record(16, s);
        }

        Assert.Equal(32, sizer.Next);
    }
}
