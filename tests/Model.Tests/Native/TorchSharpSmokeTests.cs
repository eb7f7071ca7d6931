using Geode.Model.Native;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Native;

/// <summary>TorchSharp loads on this machine and computes: matmul and SVD against closed forms.</summary>
public sealed class TorchSharpSmokeTests
{
    public TorchSharpSmokeTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    [Fact]
    public void Matmul_matches_the_hand_computed_product()
    {
        using var scope = NewDisposeScope();
        Tensor a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        Tensor b = tensor(new float[] { 5, 6, 7, 8 }).reshape(2, 2);

        float[] product = a.matmul(b).data<float>().ToArray();

        Assert.Equal([19f, 22f, 43f, 50f], product);
    }

    [Fact]
    public void Svd_of_a_diagonal_matrix_gives_its_sorted_absolute_entries()
    {
        using var scope = NewDisposeScope();
        Tensor m = diag(tensor(new double[] { 2, -7, 3 }));

        var (_, s, _) = linalg.svd(m);

        Assert.Equal([7.0, 3.0, 2.0], s.data<double>().ToArray().Select(v => Math.Round(v, 12)));
    }

    [Fact]
    public void Svd_factors_are_orthonormal_and_rebuild_the_matrix()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        Tensor m = randn([48, 32], dtype: float64, generator: generator);

        var (u, s, vh) = linalg.svd(m, fullMatrices: false);

        Assert.True(u.T.matmul(u).allclose(eye(32, dtype: float64), atol: 1e-12));
        Assert.True(vh.matmul(vh.T).allclose(eye(32, dtype: float64), atol: 1e-12));
        Assert.True(u.matmul(diag(s)).matmul(vh).allclose(m, atol: 1e-12));
    }

    [Fact]
    public void The_doctor_self_test_passes_on_the_cpu()
    {
        SelfTestResult result = TorchSelfTest.Run(DeviceSpec.Cpu);

        Assert.True(result.Passed, result.Detail);
    }

    [Fact]
    public void Runtime_reports_the_bundled_libtorch_2_10()
    {
        TorchRuntimeInfo info = TorchRuntime.Initialize(TorchRuntimeOptions.Default);

        Assert.Equal("2.10", LibTorchFolder.MinorVersion(info.LibTorchVersion));
        Assert.Contains(info.NativeLibraries, p => Path.GetFileName(p) == "libtorch_cpu.so");
        Assert.Contains(info.NativeLibraries, p => Path.GetFileName(p) == "libLibTorchSharp.so");
        Assert.Equal(0, info.CudaDeviceCount);
    }

    [Fact]
    public void A_second_initialisation_asking_for_another_libtorch_is_refused()
    {
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);

        var other = TorchRuntimeOptions.Default with { LibTorchFolder = "/somewhere/else" };

        Assert.Throws<InvalidOperationException>(() => TorchRuntime.Initialize(other));
    }
}
