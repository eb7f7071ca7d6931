using System.Buffers;
using Geode.Model;
using Geode.Model.Checkpoints;
using Geode.Model.Config;
using Geode.Model.Weights;
using Microsoft.Win32.SafeHandles;
using static TorchSharp.torch;

namespace Geode.Analysis.Forensics;

/// <summary>
/// Weight-diff forensics: compares a base checkpoint with forks of it tensor by tensor — which tensors
/// changed, and for each changed matrix the spectrum of ΔW, its rank at 95% energy, σ1/σ2, the
/// cosines of its top output-side singular vectors with activation directions, and the same
/// vectors compared across forks.
/// </summary>
/// <remarks>
/// Memory: never two models. Tensors whose bytes are identical are recognised by streaming both
/// files in small chunks, without loading either; for a tensor that differs, one base tensor and one
/// fork tensor are loaded (in float32, or float64 for float64 tensors), ΔW replaces the fork tensor
/// in place, and both are disposed before the next name. Peak ≈ three times the largest changed
/// tensor in float32, plus the kept singular vectors (a few per changed matrix).
/// </remarks>
public static class WeightDiff
{
    private const int ChunkBytes = 1 << 22;

    /// <summary>
    /// The labels the forks are reported under: each folder's name, with <c>#2</c>, <c>#3</c>…
    /// appended to repeats.
    /// </summary>
    public static IReadOnlyList<string> Labels(IReadOnlyList<string> forkFolders)
    {
        ArgumentNullException.ThrowIfNull(forkFolders);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var labels = new List<string>();
        foreach (string folder in forkFolders)
        {
            string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
            int count = seen[name] = seen.GetValueOrDefault(name) + 1;
            labels.Add(count == 1 ? name : $"{name}#{count}");
        }

        return labels;
    }

    /// <summary>
    /// Compares <paramref name="baseFolder"/> with each of <paramref name="forkFolders"/>. Records come
    /// in the base checkpoint's tensor order, each name's forks in the given order, then the tensors
    /// only a fork has.
    /// </summary>
    /// <param name="baseFolder">The base checkpoint folder; its <c>config.json</c> gives the layers and hidden size.</param>
    /// <param name="forkFolders">One or more fork checkpoint folders.</param>
    /// <param name="directionsFile">A directions file (see <see cref="DirectionSet"/>), or null.</param>
    /// <param name="options">How to compare; <see cref="DiffOptions.Default"/> when null.</param>
    /// <exception cref="BadInputException">
    /// A folder, config, checkpoint or the directions file is missing or malformed, or a tensor's
    /// shape or dtype differs between the base and a fork (the message names it).
    /// </exception>
    public static IReadOnlyList<TensorDiff> Compare(
        string baseFolder, IReadOnlyList<string> forkFolders, string? directionsFile = null, DiffOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(baseFolder);
        ArgumentNullException.ThrowIfNull(forkFolders);
        options ??= DiffOptions.Default;
        if (forkFolders.Count == 0)
        {
            throw new ArgumentException("At least one fork is needed.", nameof(forkFolders));
        }

        ModelConfig config = ConfigReader.Read(RequireFolder(baseFolder, "base"));
        foreach (string fork in forkFolders)
        {
            RequireFolder(fork, "fork");
        }

        DirectionSet? directions = directionsFile is null ? null : DirectionSet.Load(directionsFile, config.HiddenSize, config.NumLayers);
        IReadOnlyList<string> labels = Labels(forkFolders);
        var opened = new List<CheckpointFolder>();
        try
        {
            CheckpointFolder baseCheckpoint = Open(baseFolder, opened);
            Side[] forks = [.. forkFolders.Select((f, i) => new Side(labels[i], Open(f, opened)))];
            using var files = new FileHandles();
            using var noGrad = no_grad();
            var records = new List<TensorDiff>();
            foreach (string name in baseCheckpoint.Names)
            {
                records.AddRange(CompareOne(name, baseCheckpoint, forks, config, directions, options, files));
            }

            foreach (Side fork in forks)
            {
                foreach (string name in fork.Checkpoint.Names.Where(n => !fork.Matched.Contains(n)))
                {
                    TensorInfo info = fork.Checkpoint.Info(name);
                    (int? layer, string kind, bool unused) = Role(name, config);
                    records.Add(new TensorDiff(name, fork.Label, unused ? TensorStatus.Unused : TensorStatus.OnlyInFork, layer, kind, info.Shape, info.DType.HeaderName()));
                }
            }

            return records;
        }
        finally
        {
            foreach (CheckpointFolder checkpoint in opened)
            {
                checkpoint.Dispose();
            }
        }
    }

    private static List<TensorDiff> CompareOne(
        string name, CheckpointFolder baseCheckpoint, Side[] forks, ModelConfig config, DirectionSet? directions, DiffOptions options, FileHandles files)
    {
        TensorInfo baseInfo = baseCheckpoint.Info(name);
        (int? layer, string kind, bool unused) = Role(name, config);
        var records = new List<TensorDiff>();
        Tensor? baseValues = null;
        double baseNorm = 0;
        try
        {
            foreach (Side fork in forks)
            {
                string? forkName = fork.Match(name);
                var record = new TensorDiff(name, fork.Label, TensorStatus.Unchanged, layer, kind, baseInfo.Shape, baseInfo.DType.HeaderName());
                if (unused || forkName is null)
                {
                    records.Add(record with { Status = unused ? TensorStatus.Unused : TensorStatus.OnlyInBase });
                    continue;
                }

                TensorInfo forkInfo = fork.Checkpoint.Info(forkName);
                string forkFile = fork.Checkpoint.FileOf(forkName);
                if (!forkInfo.Shape.SequenceEqual(baseInfo.Shape) || forkInfo.DType != baseInfo.DType)
                {
                    throw new BadInputException(
                        $"{forkFile}: tensor '{forkName}' is {forkInfo.DType.HeaderName()} [{string.Join(", ", forkInfo.Shape)}], but the base's " +
                        $"'{name}' is {baseInfo.DType.HeaderName()} [{string.Join(", ", baseInfo.Shape)}]; a fork must keep every shape and dtype.",
                        forkFile,
                        forkName);
                }

                if (files.BytesEqual(baseCheckpoint.FileOf(name), baseInfo, forkFile, forkInfo))
                {
                    records.Add(record with { MaxAbsDelta = 0 });
                    continue;
                }

                ScalarType work = baseInfo.DType is SafetensorsDType.F32 or SafetensorsDType.F16 or SafetensorsDType.BF16
                    ? ScalarType.Float32
                    : ScalarType.Float64;
                if (baseValues is null)
                {
                    baseValues = baseCheckpoint.Read(name, work);
                    baseNorm = baseValues.numel() == 0 ? 0 : baseValues.norm().to(ScalarType.Float64).item<double>();
                }

                records.Add(Measure(record, baseValues, baseNorm, fork.Checkpoint, forkName, work, directions, options));
            }
        }
        finally
        {
            baseValues?.Dispose();
        }

        return AddForkCosines(records);
    }

    private static TensorDiff Measure(
        TensorDiff record, Tensor baseValues, double baseNorm, CheckpointFolder fork, string forkName, ScalarType work, DirectionSet? directions, DiffOptions options)
    {
        using IDisposable scope = NewDisposeScope();

        // ΔW takes the fork tensor's memory: one tensor fewer at the peak.
        Tensor delta = fork.Read(forkName, work).sub_(baseValues);
        double maxAbs = Math.Max(delta.max().to(ScalarType.Float64).item<double>(), -delta.min().to(ScalarType.Float64).item<double>());
        if (double.IsNaN(maxAbs) || !(maxAbs > options.Tolerance))
        {
            // Bytes differ but values agree (±0, NaN payloads) or the difference is within tolerance.
            return record with { MaxAbsDelta = double.IsNaN(maxAbs) ? null : maxAbs };
        }

        double norm = delta.norm().to(ScalarType.Float64).item<double>();
        TensorDiff changed = record with
        {
            Status = TensorStatus.Changed,
            MaxAbsDelta = maxAbs,
            DeltaNorm = norm,
            RelativeDeltaNorm = baseNorm > 0 ? norm / baseNorm : null,
        };
        if (delta.dim() != 2)
        {
            return changed;
        }

        DeltaSpectrum spectrum = DeltaSpectrum.Of(delta, norm * norm, options);
        changed = changed with
        {
            Spectrum = spectrum.Spectrum,
            Rank95 = spectrum.Rank95,
            Rank95AtLeast = spectrum.Rank95AtLeast,
            SigmaRatio = spectrum.SigmaRatio,
            Svd = spectrum.Method,
            TopVectors = spectrum.Vectors,
        };
        return directions is null ? changed : WithCosines(changed, spectrum, directions);
    }

    private static TensorDiff WithCosines(TensorDiff record, DeltaSpectrum spectrum, DirectionSet directions)
    {
        var top = new Dictionary<string, double>(StringComparer.Ordinal);
        var each = new Dictionary<string, double[]>(StringComparer.Ordinal);
        if (record.Shape[0] == directions.HiddenSize)
        {
            int span = Math.Min(spectrum.Rank95 ?? spectrum.Vectors.Length, spectrum.Vectors.Length);
            foreach (string label in directions.Labels)
            {
                double[]? direction = directions.For(label, record.Layer);
                double length = direction is null ? 0 : Math.Sqrt(direction.Sum(v => v * v));
                if (direction is null || length == 0)
                {
                    continue;
                }

                double[] cosines = [.. spectrum.Vectors.Select(u => Dot(u, direction) / length)];
                each[label] = cosines;
                top[label] = Math.Min(1, Math.Sqrt(cosines.Take(span).Sum(c => c * c)));
            }
        }

        return record with { TopCosines = top, VectorCosines = each };
    }

    private static List<TensorDiff> AddForkCosines(List<TensorDiff> records)
    {
        TensorDiff[] withVectors = [.. records.Where(r => r.TopVectors.Count > 0)];
        if (withVectors.Length < 2)
        {
            return records;
        }

        // Singular vectors' signs are arbitrary, so only |cos| means anything across forks.
        return [.. records.Select(r => r.TopVectors.Count == 0 ? r : r with
        {
            ForkCosines = withVectors
                .Where(other => other.Fork != r.Fork)
                .ToDictionary(other => other.Fork, other => Math.Abs(Dot(r.TopVectors[0], other.TopVectors[0])), StringComparer.Ordinal),
        })];
    }

    private static double Dot(float[] u, float[] v)
    {
        double sum = 0;
        for (int i = 0; i < u.Length; i++)
        {
            sum += (double)u[i] * v[i];
        }

        return sum;
    }

    private static double Dot(float[] u, double[] v)
    {
        double sum = 0;
        for (int i = 0; i < u.Length; i++)
        {
            sum += u[i] * v[i];
        }

        return sum;
    }

    /// <summary>The layer, the kind (name without prefix, layer and <c>.weight</c>), and whether it is an unused KV tensor.</summary>
    private static (int? Layer, string Kind, bool Unused) Role(string name, ModelConfig config)
    {
        string? canonical = CheckpointNames.Canonical(name);
        string rest = canonical ?? name;
        int? layer = null;
        if (rest.StartsWith("layers.", StringComparison.Ordinal))
        {
            int dot = rest.IndexOf('.', "layers.".Length);
            if (dot > 0 && int.TryParse(rest.AsSpan("layers.".Length, dot - "layers.".Length), out int index))
            {
                layer = index;
                rest = rest[(dot + 1)..];
            }
        }

        string kind = rest.EndsWith(".weight", StringComparison.Ordinal) ? rest[..^".weight".Length] : rest;
        return (layer, kind, canonical is not null && CheckpointNames.IsUnusedKv(config, canonical));
    }

    private static string RequireFolder(string folder, string role)
    {
        if (!Directory.Exists(folder))
        {
            throw new BadInputException($"{Path.GetFullPath(folder)}: no such folder; expected the {role} checkpoint folder.", folder);
        }

        return folder;
    }

    private static CheckpointFolder Open(string folder, List<CheckpointFolder> opened)
    {
        CheckpointFolder checkpoint = CheckpointFolder.Open(folder);
        opened.Add(checkpoint);
        return checkpoint;
    }

    /// <summary>One fork: its label, its checkpoint, and the names matched to base tensors so far.</summary>
    private sealed class Side(string label, CheckpointFolder checkpoint)
    {
        private readonly Dictionary<string, string> _byCanonical = checkpoint.Names
            .Select(n => (Name: n, Canonical: CheckpointNames.Canonical(n)))
            .Where(p => p.Canonical is not null)
            .GroupBy(p => p.Canonical!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Name, StringComparer.Ordinal);

        public string Label { get; } = label;

        public CheckpointFolder Checkpoint { get; } = checkpoint;

        public HashSet<string> Matched { get; } = new(StringComparer.Ordinal);

        /// <summary>The fork's tensor for a base name: the same name, or else the same canonical name (another prefix).</summary>
        public string? Match(string baseName)
        {
            string? found = Checkpoint.Contains(baseName) ? baseName
                : CheckpointNames.Canonical(baseName) is string canonical && _byCanonical.TryGetValue(canonical, out string? other) ? other
                : null;
            if (found is not null)
            {
                Matched.Add(found);
            }

            return found;
        }
    }

    /// <summary>Read-only handles on the checkpoint files, for comparing tensors' bytes without loading them.</summary>
    private sealed class FileHandles : IDisposable
    {
        private readonly Dictionary<string, SafeFileHandle> _handles = new(StringComparer.Ordinal);

        public bool BytesEqual(string basePath, TensorInfo baseInfo, string forkPath, TensorInfo forkInfo)
        {
            SafeFileHandle a = Handle(basePath), b = Handle(forkPath);
            byte[] left = ArrayPool<byte>.Shared.Rent(ChunkBytes), right = ArrayPool<byte>.Shared.Rent(ChunkBytes);
            try
            {
                for (long done = 0; done < baseInfo.ByteLength;)
                {
                    int size = (int)Math.Min(ChunkBytes, baseInfo.ByteLength - done);
                    ReadExactly(a, left.AsSpan(0, size), baseInfo.DataOffset + done, basePath);
                    ReadExactly(b, right.AsSpan(0, size), forkInfo.DataOffset + done, forkPath);
                    if (!left.AsSpan(0, size).SequenceEqual(right.AsSpan(0, size)))
                    {
                        return false;
                    }

                    done += size;
                }

                return true;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(left);
                ArrayPool<byte>.Shared.Return(right);
            }
        }

        public void Dispose()
        {
            foreach (SafeFileHandle handle in _handles.Values)
            {
                handle.Dispose();
            }
        }

        private SafeFileHandle Handle(string path)
        {
            if (!_handles.TryGetValue(path, out SafeFileHandle? handle))
            {
                handle = _handles[path] = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            }

            return handle;
        }

        private static void ReadExactly(SafeFileHandle handle, Span<byte> destination, long offset, string path)
        {
            while (!destination.IsEmpty)
            {
                int read = RandomAccess.Read(handle, destination, offset);
                if (read == 0)
                {
                    throw new BadInputException($"{path}: the file ended at byte {offset}; it was shortened after it was opened.", path);
                }

                destination = destination[read..];
                offset += read;
            }
        }
    }
}
