using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Maps;

/// <summary>Seeded synthetic activation matrices with known structure, generated in managed code so they are identical everywhere.</summary>
internal static class SyntheticActivations
{
    /// <summary>
    /// <paramref name="clusters"/> × <paramref name="perCluster"/> points of N(c_k, I) in
    /// <paramref name="dims"/> dimensions, c_k = (separation / √2)·e_k so every pair of centres is
    /// <paramref name="separation"/> σ apart. Labels are "c0", "c1", ….
    /// </summary>
    public static (Tensor Points, string[] Labels) GaussianClusters(int clusters, int perCluster, int dims, double separation, int seed)
    {
        var random = new System.Random(seed);
        int n = clusters * perCluster;
        var values = new double[n * dims];
        var labels = new string[n];
        for (int i = 0; i < n; i++)
        {
            int cluster = i / perCluster;
            labels[i] = $"c{cluster}";
            for (int j = 0; j < dims; j++)
            {
                values[(i * dims) + j] = Normal(random) + (j == cluster ? separation / Math.Sqrt(2) : 0);
            }
        }

        return (tensor(values, [n, dims], ScalarType.Float32), labels);
    }

    /// <summary>One N(0, I) cloud with labels drawn uniformly from <paramref name="categories"/> names: no structure to find.</summary>
    public static (Tensor Points, string[] Labels) GaussianWithRandomLabels(int n, int dims, int categories, int seed)
    {
        var random = new System.Random(seed);
        var values = new double[n * dims];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Normal(random);
        }

        string[] labels = [.. Enumerable.Range(0, n).Select(_ => $"r{random.Next(categories)}")];
        return (tensor(values, [n, dims], ScalarType.Float32), labels);
    }

    /// <summary>A standard normal deviate by Box–Muller.</summary>
    public static double Normal(System.Random random)
    {
        double u = 1.0 - random.NextDouble();
        double v = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2.0 * Math.PI * v);
    }

    /// <summary>A row-major copy of a 2-D array.</summary>
    public static double[] Flatten(double[,] values)
    {
        var flat = new double[values.Length];
        Buffer.BlockCopy(values, 0, flat, 0, flat.Length * sizeof(double));
        return flat;
    }
}
