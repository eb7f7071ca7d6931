namespace Geode.Model.Checkpoints;

/// <summary>
/// The element types a safetensors file may hold that TorchSharp can represent. Other safetensors
/// types (the 8-bit floats, unsigned 16/32/64-bit integers, complex) are refused when a file is opened.
/// </summary>
public enum SafetensorsDType
{
    /// <summary>64-bit IEEE float (<c>F64</c>).</summary>
    F64,

    /// <summary>32-bit IEEE float (<c>F32</c>).</summary>
    F32,

    /// <summary>16-bit IEEE float (<c>F16</c>).</summary>
    F16,

    /// <summary>bfloat16: the upper half of an F32 (<c>BF16</c>).</summary>
    BF16,

    /// <summary>64-bit signed integer (<c>I64</c>).</summary>
    I64,

    /// <summary>32-bit signed integer (<c>I32</c>).</summary>
    I32,

    /// <summary>16-bit signed integer (<c>I16</c>).</summary>
    I16,

    /// <summary>8-bit signed integer (<c>I8</c>).</summary>
    I8,

    /// <summary>8-bit unsigned integer (<c>U8</c>).</summary>
    U8,

    /// <summary>Boolean stored as one byte, 0 or 1 (<c>BOOL</c>).</summary>
    Bool,
}
