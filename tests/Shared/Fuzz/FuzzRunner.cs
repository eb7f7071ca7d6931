using System.Diagnostics;
using System.Globalization;
using Geode.Model;
using Xunit.Abstractions;

namespace Geode.Tests.Fuzz;

/// <summary>
/// Feeds seeded, mutated inputs to one loader and holds every case to issue 9's contract: it ends
/// in success or a <see cref="BadInputException"/> whose message names the file, within
/// <see cref="CaseLimit"/> (a case over it runs again and the faster run counts, so a pause of the
/// shared machine is not a failure but a blow-up, which repeats, is), having allocated at most
/// twice its input plus <see cref="FixedAllowance"/>.
/// Any other exception, a slower or hungrier case, or a hang fails the test with the seed, case
/// and mutation of every offender. Cases run on one dedicated thread with the default (1.5 MiB on
/// Linux) stack, smaller than a CLI main thread's 8 MiB, so deep recursion shows up here first.
/// </summary>
internal sealed class FuzzRunner(string loader, int seed, ITestOutputHelper output)
{
    /// <summary>
    /// The bound on one case, as issue 9 sets it: generous, since a normal case takes well under
    /// 50 ms; only a hang or an input-driven blow-up (an alias bomb, a quadratic walk) reaches it.
    /// </summary>
    public static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The fixed part of the allocation bound; the rest is twice the input's size. A loader may
    /// legitimately allocate a small multiple of its input beyond that: System.Text.Json keeps a
    /// 12-byte row per token (up to 6× a dense input), then the strings, lists and dictionaries of
    /// the content; YamlDotNet allocates about 0.8 KB per value (capped at 10,000 values by the
    /// campaign reader); the first call also pays one-time static initialisation. The inputs
    /// fuzzed here are mostly under 100 KB and at most about 700 KB (100,000-deep nesting), and the
    /// hungriest case measured allocates under 6 MB, so 16 MiB leaves room, while what the bound
    /// exists to catch (an allocation sized by a length or count field, an expanded alias bomb, a
    /// layer list of 2^31 entries) costs far more.
    /// </summary>
    public const long FixedAllowance = 16L << 20;

    /// <summary>A case still running after this long is a hang: the test fails without waiting for it.</summary>
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(20);

    private const int FailuresShown = 15;

    private readonly object _lock = new();
    private int _runningCase = -1;
    private string _runningMutation = string.Empty;
    private long _runningSince;

    /// <summary>Runs <paramref name="load"/> on the unmutated base input, which must load (the cases are mutations of a valid file).</summary>
    public void Baseline(byte[] input, Action<FuzzInput> load)
    {
        try
        {
            load(new FuzzInput(input, "none (the base file)"));
        }
        catch (Exception error)
        {
            Assert.Fail($"{loader}: the base input must load, but it threw {error.GetType().Name}: {error.Message}");
        }
    }

    /// <summary>
    /// Runs cases 0..<paramref name="cases"/>-1 (or only the one named by <c>GEODE_FUZZ_CASE</c>),
    /// writes the counts, the slowest and the hungriest case to the test output, and fails listing
    /// every case that broke the contract.
    /// </summary>
    /// <param name="cases">How many cases to run.</param>
    /// <param name="generate">Makes case <c>i</c>'s input from a <see cref="Random"/> seeded by the run's seed and <c>i</c> alone.</param>
    /// <param name="load">Hands the input to the loader under test (writing it to a file first if the loader reads files).</param>
    /// <param name="fileName">What every <see cref="BadInputException"/> message must contain: the name of the file at fault.</param>
    public void Run(int cases, Func<Random, FuzzInput> generate, Action<FuzzInput> load, string fileName)
    {
        int[] indices = Environment.GetEnvironmentVariable("GEODE_FUZZ_CASE") is string only
            && int.TryParse(only, NumberStyles.None, CultureInfo.InvariantCulture, out int single)
            ? [single]
            : [.. Enumerable.Range(0, cases)];

        var failures = new List<FuzzFailure>();
        int loaded = 0;
        int refused = 0;
        (int Case, string Mutation, TimeSpan Time) slowest = (-1, string.Empty, TimeSpan.Zero);
        (int Case, string Mutation, long Bytes, long Input) hungriest = (-1, string.Empty, -1, 0);
        Exception? harnessError = null;
        var total = Stopwatch.StartNew();

        void RunAll()
        {
            foreach (int index in indices)
            {
                FuzzInput input = generate(new Random(CaseSeed(index)));
                lock (_lock)
                {
                    _runningCase = index;
                    _runningMutation = input.Mutation;
                    _runningSince = Stopwatch.GetTimestamp();
                }

                long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                (Exception? thrown, TimeSpan elapsed) = Timed(load, input);
                long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
                if (elapsed > CaseLimit)
                {
                    // The same input again: a blow-up repeats, a pause of a shared, busy machine does not.
                    TimeSpan again = Timed(load, input).Elapsed;
                    elapsed = again < elapsed ? again : elapsed;
                }

                long bound = (2L * input.Bytes.Length) + FixedAllowance;
                lock (_lock)
                {
                    _runningCase = -1;
                    if (elapsed > slowest.Time)
                    {
                        slowest = (index, input.Mutation, elapsed);
                    }

                    if (allocated > hungriest.Bytes)
                    {
                        hungriest = (index, input.Mutation, allocated, input.Bytes.Length);
                    }

                    switch (thrown)
                    {
                        case null:
                            loaded++;
                            break;
                        case BadInputException bad when bad.Message.Contains(fileName, StringComparison.Ordinal):
                            refused++;
                            break;
                        case BadInputException bad:
                            refused++;
                            failures.Add(new(index, input.Mutation, $"BadInputException does not name the file ({fileName}): {Shorten(bad.Message)}"));
                            break;
                        default:
                            failures.Add(new(index, input.Mutation, $"threw {thrown.GetType().FullName}: {Shorten(thrown.Message)} at {FirstFrame(thrown)}"));
                            break;
                    }

                    if (elapsed > CaseLimit)
                    {
                        failures.Add(new(index, input.Mutation, $"took {elapsed.TotalMilliseconds:F0} ms at best of two runs; the bound is {CaseLimit.TotalMilliseconds:F0} ms"));
                    }

                    if (allocated > bound)
                    {
                        failures.Add(new(index, input.Mutation, $"allocated {allocated} bytes for a {input.Bytes.Length}-byte input; the bound is {bound}"));
                    }
                }
            }
        }

        var worker = new Thread(() =>
        {
            try
            {
                RunAll();
            }
            catch (Exception error)
            {
                harnessError = error;
            }
        })
        {
            IsBackground = true,
            Name = $"fuzz {loader}",
        };
        worker.Start();
        while (!worker.Join(TimeSpan.FromMilliseconds(100)))
        {
            lock (_lock)
            {
                if (_runningCase >= 0 && Stopwatch.GetElapsedTime(_runningSince) > HangLimit)
                {
                    Assert.Fail($"{loader} fuzz, seed {seed}: case {_runningCase} ({_runningMutation}) is still running after {HangLimit.TotalSeconds:F0} s: a hang. Rerun it alone with GEODE_FUZZ_CASE={_runningCase}.");
                }
            }
        }

        if (harnessError is not null)
        {
            throw new InvalidOperationException($"{loader} fuzz: the harness itself failed", harnessError);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"FUZZ {loader}: {indices.Length} cases (seed {seed}): {loaded} loaded, {refused} refused with BadInputException, {failures.Count} failures; total {total.Elapsed.TotalSeconds:F1} s"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"FUZZ {loader}: slowest case {slowest.Case}: {slowest.Time.TotalMilliseconds:F1} ms ({slowest.Mutation})"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"FUZZ {loader}: most allocated case {hungriest.Case}: {hungriest.Bytes} bytes for a {hungriest.Input}-byte input ({hungriest.Mutation})"));
        foreach (FuzzFailure failure in failures)
        {
            output.WriteLine($"FAIL {loader} case {failure.Case} ({failure.Mutation}): {failure.Problem}");
        }

        if (failures.Count > 0)
        {
            IEnumerable<string> shown = failures.Take(FailuresShown).Select(f => $"  case {f.Case} ({f.Mutation}): {f.Problem}");
            Assert.Fail(
                $"{loader} fuzz, seed {seed}: {failures.Count} of {indices.Length} cases broke the contract (rerun one alone with GEODE_FUZZ_CASE=N):\n" +
                string.Join("\n", shown) + (failures.Count > FailuresShown ? $"\n  ... and {failures.Count - FailuresShown} more" : string.Empty));
        }
    }

    private static (Exception? Thrown, TimeSpan Elapsed) Timed(Action<FuzzInput> load, FuzzInput input)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            load(input);
            return (null, Stopwatch.GetElapsedTime(started));
        }
        catch (Exception error)
        {
            return (error, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>Case <paramref name="index"/>'s own seed, so one case can be regenerated without the ones before it.</summary>
    private int CaseSeed(int index) => unchecked((seed * 1_000_003) + index);

    private static string Shorten(string text) => text.Length <= 300 ? text : string.Concat(text.AsSpan(0, 297), "...");

    private static string FirstFrame(Exception error) =>
        error.StackTrace?.Split('\n', StringSplitOptions.TrimEntries).FirstOrDefault() ?? "(no stack)";
}
