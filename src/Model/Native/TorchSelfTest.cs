using System.Diagnostics;
using static TorchSharp.torch;

namespace Geode.Model.Native;

/// <summary>The outcome of <see cref="TorchSelfTest.Run"/>.</summary>
/// <param name="Passed">True when every op ran and matched its closed form.</param>
/// <param name="Detail">What ran and the largest error seen, or what failed.</param>
/// <param name="Elapsed">Wall time of the check.</param>
public sealed record SelfTestResult(bool Passed, string Detail, TimeSpan Elapsed);

/// <summary>
/// Proves the runtime can compute: a matmul against a closed form and an SVD whose factors must
/// rebuild the matrix. Run by <c>geode doctor</c> and by the tests; cheap enough for both.
/// </summary>
public static class TorchSelfTest
{
    /// <summary>Tolerance for float32 results on a 64×64 problem.</summary>
    private const double Tolerance = 1e-4;

    /// <summary>Runs the check on <paramref name="device"/>; never throws for a failing op.</summary>
    public static SelfTestResult Run(DeviceSpec device)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var target = new Device(device.ToString());

            // (n×n) @ diag(d) scales column j by d_j: a closed form that needs no second library.
            const int n = 64;
            Tensor a = arange(n * n, dtype: float32, device: target).reshape(n, n).div(n * n);
            Tensor d = arange(1, n + 1, dtype: float32, device: target);
            double matmulError = (a.matmul(diag(d)) - a * d.unsqueeze(0)).abs().max().cpu().item<float>();

            // SVD of a random matrix: U diag(S) Vᵀ must rebuild it, and S must be sorted, non-negative.
            var generator = new Generator(1234, device: new Device("cpu"));
            Tensor m = randn([n, n], dtype: float32, generator: generator).to(target);
            var (u, s, vh) = linalg.svd(m, fullMatrices: false);
            double svdError = (u.matmul(diag(s)).matmul(vh) - m).abs().max().cpu().item<float>();
            bool sorted = (s[..^1] >= s[1..]).all().cpu().item<bool>() && (s >= 0).all().cpu().item<bool>();

            bool passed = matmulError <= Tolerance && svdError <= Tolerance && sorted;
            string detail = $"matmul max error {matmulError:G3}, SVD reconstruction max error {svdError:G3}" +
                (sorted ? string.Empty : ", singular values not sorted") + $" on {device}";
            return new SelfTestResult(passed, detail, clock.Elapsed);
        }
        catch (Exception error)
        {
            return new SelfTestResult(false, $"{error.GetType().Name}: {error.Message.Split('\n')[0]}", clock.Elapsed);
        }
    }
}
