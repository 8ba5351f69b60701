namespace Onnxc.Samples;

/// <summary>
/// A small xorshift64* generator: integer arithmetic only, so every .NET version and machine draws the same
/// numbers (System.Random promises no such thing). Each tensor gets its own stream, keyed by seed and name.
/// </summary>
public struct SampleRandom
{
    private ulong _state;

    public SampleRandom(ulong seed) => _state = SplitMix(seed);

    /// <summary>A stream for one named tensor, independent of how many numbers other tensors drew.</summary>
    public static SampleRandom ForTensor(int seed, string name) => new(Fnv1a(name) ^ ((ulong)(uint)seed * 0x9E3779B97F4A7C15UL));

    public ulong NextUInt64()
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return _state * 0x2545F4914F6CDD1DUL;
    }

    /// <summary>Uniform in [0, 1) with 24 random bits, exactly representable as a float.</summary>
    public float NextUniform() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>
    /// Fills <paramref name="destination"/> with approximately normal numbers: the Irwin–Hall sum of four 16-bit
    /// uniforms from one draw, rescaled. No transcendental functions, so results are bit-identical everywhere.
    /// </summary>
    public void FillNormal(Span<float> destination, float mean, float std)
    {
        // Four uniforms on {0..65535}: mean 4·32767.5, variance 4·(65536²−1)/12.
        const int center = 131070;
        float scale = (float)(std / Math.Sqrt(4.0 * (65536.0 * 65536.0 - 1.0) / 12.0));
        ulong state = _state;
        for (int i = 0; i < destination.Length; i++)
        {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            ulong r = state * 0x2545F4914F6CDD1DUL;
            int sum = (int)(r & 0xFFFF) + (int)((r >> 16) & 0xFFFF) + (int)((r >> 32) & 0xFFFF) + (int)(r >> 48);
            destination[i] = (sum - center) * scale + mean;
        }
        _state = state;
    }

    private static ulong SplitMix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return x == 0 ? 0x9E3779B97F4A7C15UL : x; // xorshift must not start at zero
    }

    private static ulong Fnv1a(string text)
    {
        ulong hash = 0xCBF29CE484222325UL;
        foreach (char c in text)
        {
            hash = (hash ^ c) * 0x100000001B3UL;
        }
        return hash;
    }
}
