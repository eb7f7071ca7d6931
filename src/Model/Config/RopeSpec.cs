using static TorchSharp.torch;

namespace Geode.Model.Config;

/// <summary>
/// Rotary position embedding of one layer type, in the "rotate half" convention (element i pairs
/// with i + d/2). <see cref="RotatedPairs"/> &lt; d/2 is Gemma 4's proportional RoPE: the remaining
/// inverse frequencies are zero, so those dimensions pass through unrotated.
/// </summary>
/// <param name="Theta">The base θ.</param>
/// <param name="HeadDim">d, the head size the rotation spans.</param>
/// <param name="RotatedPairs">How many of the d/2 frequency slots are non-zero.</param>
/// <param name="LinearFactor">Positions are divided by this (<c>rope_type: linear</c>); 1 otherwise.</param>
/// <param name="Llama3">Llama 3.1's frequency-dependent scaling, when configured.</param>
public sealed record RopeSpec(double Theta, int HeadDim, int RotatedPairs, double LinearFactor, Llama3RopeScaling? Llama3)
{
    /// <summary>
    /// The d/2 inverse frequencies, float32, computed the way transformers does
    /// (θ^(−2k/d) in float32) so float32 runs agree to the last bit that matters.
    /// </summary>
    public Tensor InverseFrequencies()
    {
        using var scope = NewDisposeScope();
        Tensor exponents = arange(0, 2 * RotatedPairs, 2, dtype: ScalarType.Int64).to(ScalarType.Float32) / HeadDim;
        Tensor inverse = 1.0f / pow(tensor((float)Theta), exponents);
        if (Llama3 is not null)
        {
            inverse = Llama3.Apply(inverse);
        }

        if (LinearFactor != 1.0)
        {
            inverse = inverse / (float)LinearFactor;
        }

        if (RotatedPairs < HeadDim / 2)
        {
            inverse = cat([inverse, zeros(HeadDim / 2 - RotatedPairs, dtype: ScalarType.Float32)]);
        }

        return inverse.MoveToOuterDisposeScope();
    }
}

/// <summary>Llama 3.1's RoPE scaling (<c>rope_type: llama3</c>): long wavelengths slowed, short kept, a smooth band between.</summary>
/// <param name="Factor">How much to slow the low frequencies.</param>
/// <param name="LowFrequencyFactor">Wavelengths above original/low are fully scaled.</param>
/// <param name="HighFrequencyFactor">Wavelengths below original/high are kept.</param>
/// <param name="OriginalContext">The pre-training context length.</param>
public sealed record Llama3RopeScaling(double Factor, double LowFrequencyFactor, double HighFrequencyFactor, double OriginalContext)
{
    /// <summary>Rescales float32 inverse frequencies.</summary>
    public Tensor Apply(Tensor inverse)
    {
        using var scope = NewDisposeScope();
        double lowWavelength = OriginalContext / LowFrequencyFactor;
        double highWavelength = OriginalContext / HighFrequencyFactor;
        Tensor wavelength = 2 * Math.PI / inverse;
        Tensor scaled = where(wavelength > lowWavelength, inverse / Factor, inverse);
        Tensor smooth = (OriginalContext / wavelength - LowFrequencyFactor) / (HighFrequencyFactor - LowFrequencyFactor);
        Tensor smoothed = (1 - smooth) * scaled / Factor + smooth * scaled;
        Tensor medium = (wavelength >= highWavelength).logical_and(wavelength <= lowWavelength);
        return where(medium, smoothed, scaled).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
