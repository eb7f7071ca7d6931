using System.Globalization;

namespace Geode.Model.Native;

/// <summary>A compute device named on the command line: <c>cpu</c> or <c>cuda:N</c>.</summary>
/// <param name="IsCuda">True for a CUDA device.</param>
/// <param name="Index">The CUDA device ordinal; 0 for the CPU.</param>
public sealed record DeviceSpec(bool IsCuda, int Index)
{
    /// <summary>The CPU.</summary>
    public static DeviceSpec Cpu { get; } = new(false, 0);

    /// <summary>Parses <c>cpu</c>, <c>cuda</c> (meaning <c>cuda:0</c>) or <c>cuda:N</c>.</summary>
    /// <exception cref="BadInputException">The text is none of those.</exception>
    public static DeviceSpec Parse(string text, string flag = "--device")
    {
        string trimmed = text.Trim().ToLowerInvariant();
        if (trimmed == "cpu")
        {
            return Cpu;
        }

        if (trimmed == "cuda")
        {
            return new DeviceSpec(true, 0);
        }

        if (trimmed.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(trimmed.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            return new DeviceSpec(true, index);
        }

        throw new BadInputException(
            $"{flag}: '{text}' is not a device. Use 'cpu' or 'cuda:N' (for example cuda:0).", flag);
    }

    /// <summary>The TorchSharp device string, e.g. <c>cuda:0</c>.</summary>
    public override string ToString() => IsCuda ? $"cuda:{Index}" : "cpu";
}
