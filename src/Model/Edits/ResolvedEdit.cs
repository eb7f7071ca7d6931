using static TorchSharp.torch;

namespace Geode.Model.Edits;

/// <summary>
/// An <see cref="Edit"/> made concrete for one model: for every (layer, writer) it touches, the
/// operations to run, in order, with bases orthonormalised (and post-norm-weighted) and
/// norm-preserving scales computed from the model's weights.
/// </summary>
internal sealed class ResolvedEdit : IDisposable
{
    private readonly Dictionary<(int Layer, WriterKind Writer), List<WriterOperation>> _operations = [];

    /// <summary>The (layer, writer) pairs this edit touches.</summary>
    public IEnumerable<(int Layer, WriterKind Writer)> Targets => _operations.Keys;

    /// <summary>Resolves <paramref name="edit"/>.</summary>
    /// <param name="edit">The edit.</param>
    /// <param name="weight">The current weight of a writer [H, in].</param>
    /// <param name="postNormGain">The gain g [H] of the norm after a writer, or null when none follows it.</param>
    /// <param name="hidden">H, to check bases against.</param>
    /// <param name="device">Where the operations will run.</param>
    public static ResolvedEdit Resolve(
        Edit edit,
        Func<int, WriterKind, Tensor> weight,
        Func<int, WriterKind, Tensor?> postNormGain,
        long hidden,
        Device device)
    {
        var resolved = new ResolvedEdit();
        var current = new Dictionary<(int, WriterKind), Tensor>();

        // How many parts still touch each (layer, writer): the weight is only read (and the
        // edited weight only computed) when a norm-preserving part needs it or a later part
        // builds on it — a sweep resolves hundreds of single-part edits.
        var remaining = new Dictionary<(int, WriterKind), int>();
        foreach (EditPart part in edit.Parts)
        {
            foreach (int layer in part.Layers)
            {
                foreach (WriterKind writer in part.Writers)
                {
                    remaining[(layer, writer)] = remaining.GetValueOrDefault((layer, writer)) + 1;
                }
            }
        }

        try
        {
            foreach (EditPart part in edit.Parts)
            {
                if (part.Basis.dim() != 2 || part.Basis.shape[0] != hidden)
                {
                    throw new BadInputException(
                        $"edit '{edit.Name}': a basis must be [H={hidden}, k]; found [{string.Join(", ", part.Basis.shape)}].",
                        edit.Name,
                        "basis");
                }

                foreach (int layer in part.Layers)
                {
                    foreach (WriterKind writer in part.Writers)
                    {
                        var key = (layer, writer);
                        bool later = --remaining[key] > 0;
                        Tensor? w = null;
                        if ((later || part.Variant == EditVariant.NormPreserving) && !current.TryGetValue(key, out w))
                        {
                            w = weight(layer, writer).to(ScalarType.Float32, device, copy: true);
                            current[key] = w;
                        }

                        WriterOperation operation = Operation(part, w, postNormGain(layer, writer), device);
                        if (later)
                        {
                            Tensor next = operation.ApplyToWeight(w!);
                            w!.Dispose();
                            current[key] = next;
                        }

                        if (!resolved._operations.TryGetValue(key, out List<WriterOperation>? list))
                        {
                            list = [];
                            resolved._operations[key] = list;
                        }

                        list.Add(operation);
                    }
                }
            }

            return resolved;
        }
        catch
        {
            resolved.Dispose();
            throw;
        }
        finally
        {
            foreach (Tensor w in current.Values)
            {
                w.Dispose();
            }
        }
    }

    public IReadOnlyList<WriterOperation> For(int layer, WriterKind writer) =>
        _operations.TryGetValue((layer, writer), out List<WriterOperation>? list) ? list : [];

    /// <summary>Applies every operation for (layer, writer) to y.</summary>
    public Tensor ApplyToOutput(int layer, WriterKind writer, Tensor y)
    {
        Tensor result = y;
        foreach (WriterOperation operation in For(layer, writer))
        {
            Tensor next = operation.ApplyToOutput(result);
            if (!ReferenceEquals(result, y))
            {
                result.Dispose();
            }

            result = next;
        }

        return result;
    }

    private static WriterOperation Operation(EditPart part, Tensor? weight, Tensor? gain, Device device)
    {
        using var scope = NewDisposeScope();
        Tensor basis = part.Basis.to(ScalarType.Float32, device);
        if (part.PostNormAware && gain is not null)
        {
            basis = gain.to(ScalarType.Float32, device).unsqueeze(1) * basis;
        }

        // Orthonormalise: Q of the reduced QR spans the same subspace as the given columns.
        Tensor q = linalg.qr(basis, linalg.QRMode.Reduced).Q;
        Tensor? scale = null;
        if (part.Variant == EditVariant.NormPreserving)
        {
            Tensor projected = weight! - part.Alpha * q.matmul(q.T.matmul(weight!));
            scale = weight!.norm(1, keepdim: false) / projected.norm(1, keepdim: false).clamp_min(1e-30);
        }

        // Resolved edits are cached across passes: their tensors belong to no dispose scope.
        return new WriterOperation(q.DetachFromDisposeScope(), part.Alpha, scale?.DetachFromDisposeScope());
    }

    public void Dispose()
    {
        foreach (List<WriterOperation> list in _operations.Values)
        {
            foreach (WriterOperation operation in list)
            {
                operation.Dispose();
            }
        }

        _operations.Clear();
    }
}
