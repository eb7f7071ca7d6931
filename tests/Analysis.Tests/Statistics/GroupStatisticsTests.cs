using FsCheck.Xunit;
using Geode.Analysis.Statistics;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Statistics;

public sealed class GroupStatisticsTests
{
    public GroupStatisticsTests() => Torch.Start();

    [Fact]
    public void Mean_and_variance_match_a_direct_computation()
    {
        using var scope = NewDisposeScope();
        // Values a float32 can hold exactly, so a float32 batch folds in the same numbers.
        Tensor data = ((Torch.Normal(1, 200, 7) * 3) + 50).to(ScalarType.Float32).to(ScalarType.Float64);
        double[] flat = Torch.Values(data);
        var statistics = new GroupStatistics(7);
        statistics.Add(data.narrow(0, 0, 13));
        statistics.Add(data.narrow(0, 13, 187).to(ScalarType.Float32));

        for (int j = 0; j < 7; j++)
        {
            // Direct two-pass formulas over the same values.
            double sum = 0;
            for (int i = 0; i < 200; i++)
            {
                sum += flat[(i * 7) + j];
            }

            double mean = sum / 200;
            double squares = 0;
            for (int i = 0; i < 200; i++)
            {
                double x = flat[(i * 7) + j];
                squares += (x - mean) * (x - mean);
            }

            Assert.Equal(200, statistics.Count);
            Assert.Equal(mean, statistics.Mean[j], 1e-10);
            Assert.Equal(sum, statistics.Sum[j], 1e-8);
            Assert.Equal(squares / 200, statistics.Variance()[j], 1e-10);
            Assert.Equal(squares / 199, statistics.SampleVariance()[j], 1e-10);
        }
    }

    [Property(MaxTest = 60)]
    public void Shards_merge_in_any_order_to_the_one_pass_result(int seed)
    {
        using var scope = NewDisposeScope();
        var random = new Random(seed);
        int n = random.Next(2, 80);
        Tensor data = (Torch.Normal(seed, n, 5) * 4) + 10;

        var onePass = new GroupStatistics(5);
        onePass.Add(data);

        // Random cut points make the shards; a random order merges them.
        int[] cuts = [0, .. Enumerable.Range(1, n - 1).Where(_ => random.NextDouble() < 0.3), n];
        List<GroupStatistics> shards = [];
        for (int s = 0; s + 1 < cuts.Length; s++)
        {
            var shard = new GroupStatistics(5);
            shard.Add(data.narrow(0, cuts[s], cuts[s + 1] - cuts[s]));
            shards.Add(GroupStatistics.FromBytes(shard.ToBytes()));
        }

        shards.Add(new GroupStatistics(5));  // an empty shard changes nothing
        var merged = new GroupStatistics(5);
        foreach (GroupStatistics shard in shards.OrderBy(_ => random.Next()))
        {
            merged.Merge(shard);
        }

        Assert.Equal(onePass.Count, merged.Count);
        for (int j = 0; j < 5; j++)
        {
            Assert.Equal(onePass.Mean[j], merged.Mean[j], 1e-10);
            Assert.Equal(onePass.Sum[j], merged.Sum[j], 1e-9);
            Assert.True(Math.Abs(onePass.SumOfSquaredDeviations[j] - merged.SumOfSquaredDeviations[j]) <= 1e-10 * Math.Max(1, onePass.SumOfSquaredDeviations[j]));
        }
    }

    [Fact]
    public void Bytes_round_trip_exactly_and_reject_other_payloads()
    {
        using var scope = NewDisposeScope();
        var statistics = new GroupStatistics(3);
        statistics.Add(Torch.Normal(4, 9, 3));

        byte[] bytes = statistics.ToBytes();
        GroupStatistics back = GroupStatistics.FromBytes(bytes);

        Assert.Equal(16 + (3 * 8 * 3), bytes.Length);
        Assert.Equal(9, back.Count);
        Assert.Equal(statistics.Mean.ToArray(), back.Mean.ToArray());
        Assert.Equal(statistics.SumOfSquaredDeviations.ToArray(), back.SumOfSquaredDeviations.ToArray());
        Assert.Throws<FormatException>(() => GroupStatistics.FromBytes(bytes.AsSpan(0, bytes.Length - 8)));
        Assert.Throws<FormatException>(() => GroupStatistics.FromBytes(new byte[bytes.Length]));
    }

    [Fact]
    public void Activation_statistics_pool_rows_by_class_and_category_and_merge_shards()
    {
        using var scope = NewDisposeScope();
        Tensor layer0 = tensor(new double[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, [6, 2]);
        Tensor layer1 = layer0 * 10;
        string[] classes = ["refuse", "comply", "refuse", "comply", "comply", "refuse"];
        string[] categories = ["should_refuse", "safe_control", "should_refuse", "home_safety", "safe_control", "gray_zone"];

        var whole = new ActivationStatistics(2, 2);
        whole.Add([layer0, layer1], classes, categories);
        var first = new ActivationStatistics(2, 2);
        first.Add([layer0.narrow(0, 0, 4), layer1.narrow(0, 0, 4)], classes[..4], categories[..4]);
        var second = new ActivationStatistics(2, 2);
        second.Add([layer0.narrow(0, 4, 2), layer1.narrow(0, 4, 2)], classes[4..], categories[4..]);
        ActivationStatistics merged = ActivationStatistics.FromBytes(second.ToBytes());
        merged.Merge(first);

        foreach (ActivationStatistics statistics in new[] { whole, merged })
        {
            // refuse rows 0, 2, 5: layer 0 means ((1+5+11)/3, (2+6+12)/3).
            Assert.Equal(3, statistics[GroupKey.Refuse].Count);
            Assert.Equal(17.0 / 3, statistics[GroupKey.Refuse][0].Mean[0], 1e-12);
            Assert.Equal(200.0 / 3, statistics[GroupKey.Refuse][1].Mean[1], 1e-12);
            // comply rows 1, 3, 4: layer 0 first column (3+7+9)/3.
            Assert.Equal(19.0 / 3, statistics[GroupKey.Comply][0].Mean[0], 1e-12);
            // safe_control rows 1, 4: (3, 9) and (4, 10); population variance ((3−6)² + (9−6)²)/2 = 9.
            Assert.Equal(2, statistics[GroupKey.Category("safe_control")].Count);
            Assert.Equal(9, statistics[GroupKey.Category("safe_control")][0].Variance()[0], 1e-12);
            Assert.Equal(6, statistics.Groups.Count);  // 2 classes + 4 categories
        }

        Assert.Throws<KeyNotFoundException>(() => whole[GroupKey.Category("mental_health")]);
    }
}
