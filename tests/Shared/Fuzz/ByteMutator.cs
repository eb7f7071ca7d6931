namespace Geode.Tests.Fuzz;

/// <summary>
/// Format-blind mutations of a file's bytes, the kind disk corruption, a bad download or a
/// careless edit produces: flipped bits, truncation, deleted, repeated or inserted spans, stray
/// structural characters and byte sequences that are not UTF-8.
/// </summary>
internal static class ByteMutator
{
    /// <summary>Bytes that change how a text format or a length field reads.</summary>
    private static readonly byte[] Interesting =
        [0x00, 0xFF, 0x7F, 0x80, 0xC0, 0xC3, 0xED, 0xF5, (byte)'"', (byte)'\\', (byte)'{', (byte)'}', (byte)'[', (byte)']',
         (byte)',', (byte)':', (byte)'\n', (byte)'\r', (byte)'\t', (byte)' ', (byte)'0', (byte)'9', (byte)'-', (byte)'e', (byte)'.',
         (byte)'&', (byte)'*', (byte)'!', (byte)'#', (byte)'\'', (byte)'|', (byte)'>', (byte)'%'];

    /// <summary>Sequences a UTF-8 decoder must reject: a lone continuation, a cut-off lead, an overlong NUL, an encoded surrogate, a code point past U+10FFFF.</summary>
    private static readonly byte[][] InvalidUtf8 =
        [[0xFF], [0x80], [0xC3], [0xE2, 0x82], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFE, 0xFE]];

    /// <summary>One random mutation of <paramref name="input"/>; <paramref name="name"/> names the base file in the description.</summary>
    public static FuzzInput Mutate(byte[] input, Random random, string name)
    {
        int length = input.Length;
        switch (random.Next(9))
        {
            case 0:
            {
                byte[] bytes = [.. input];
                int flips = 1 + random.Next(8);
                var at = new List<string>();
                for (int i = 0; i < flips && length > 0; i++)
                {
                    int position = random.Next(length);
                    int bit = random.Next(8);
                    bytes[position] ^= (byte)(1 << bit);
                    at.Add($"{position}.{bit}");
                }

                return new(bytes, $"{name}: bit flips at byte.bit {string.Join(", ", at)}");
            }

            case 1:
            {
                byte[] bytes = [.. input];
                int count = 1 + random.Next(4);
                var at = new List<string>();
                for (int i = 0; i < count && length > 0; i++)
                {
                    int position = random.Next(length);
                    bytes[position] = Interesting[random.Next(Interesting.Length)];
                    at.Add($"{position}=0x{bytes[position]:X2}");
                }

                return new(bytes, $"{name}: bytes set to {string.Join(", ", at)}");
            }

            case 2:
            {
                int keep = random.Next(length + 1);
                return new(input[..keep], $"{name}: truncated to {keep} of {length} bytes");
            }

            case 3:
            {
                (int start, int count) = Span(random, length);
                return new([.. input[..start], .. input[(start + count)..]], $"{name}: deleted bytes {start}..{start + count}");
            }

            case 4:
            {
                (int start, int count) = Span(random, length);
                int at = random.Next(length + 1);
                return new([.. input[..at], .. input.AsSpan(start, count), .. input[at..]], $"{name}: copied bytes {start}..{start + count} to {at}");
            }

            case 5:
            {
                byte[] noise = new byte[1 + random.Next(32)];
                random.NextBytes(noise);
                int at = random.Next(length + 1);
                return new([.. input[..at], .. noise, .. input[at..]], $"{name}: {noise.Length} random bytes inserted at {at}");
            }

            case 6:
            {
                byte[] bad = InvalidUtf8[random.Next(InvalidUtf8.Length)];
                int at = random.Next(length + 1);
                return new([.. input[..at], .. bad, .. input[at..]], $"{name}: invalid UTF-8 {Convert.ToHexString(bad)} inserted at {at}");
            }

            case 7:
            {
                // Repeating a span multiplies whatever structure it holds (nesting, entries, keys).
                (int start, int count) = Span(random, Math.Min(length, 64));
                int times = Math.Max(1, Math.Min(1 + random.Next(2_000), 65_536 / Math.Max(1, count)));
                byte[] repeated = [.. Enumerable.Repeat(input[start..(start + count)], times).SelectMany(b => b)];
                return new([.. input[..start], .. repeated, .. input[(start + count)..]], $"{name}: bytes {start}..{start + count} repeated {times} times");
            }

            default:
            {
                (int first, int firstCount) = Span(random, length);
                (int second, int secondCount) = Span(random, length);
                if (first > second)
                {
                    (first, firstCount, second, secondCount) = (second, secondCount, first, firstCount);
                }

                if (first + firstCount > second)
                {
                    return new([.. input], $"{name}: unchanged (overlapping swap)");
                }

                byte[] swapped = [.. input[..first], .. input.AsSpan(second, secondCount), .. input[(first + firstCount)..second], .. input.AsSpan(first, firstCount), .. input[(second + secondCount)..]];
                return new(swapped, $"{name}: swapped bytes {first}..{first + firstCount} with {second}..{second + secondCount}");
            }
        }
    }

    /// <summary>A random span of 1 to 64 bytes (fewer in a short input) inside <paramref name="length"/>.</summary>
    private static (int Start, int Count) Span(Random random, int length)
    {
        if (length == 0)
        {
            return (0, 0);
        }

        int count = 1 + random.Next(Math.Min(64, length));
        return (random.Next(length - count + 1), count);
    }
}
