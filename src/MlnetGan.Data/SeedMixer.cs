namespace MlnetGan.Data;

/// <summary>Derives independent, reproducible seeds from a base seed and stream indices (SplitMix64 finaliser).</summary>
public static class SeedMixer
{
    /// <summary>A 64-bit seed for stream (<paramref name="a"/>, <paramref name="b"/>) of <paramref name="seed"/>; stable across processes and platforms.</summary>
    public static ulong Mix(long seed, long a, long b = 0)
    {
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)a * 0xC2B2AE3D27D4EB4FUL ^ (ulong)b * 0x165667B19E3779F9UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>The same as <see cref="Mix"/>, folded into a non-negative <see cref="int"/> for <see cref="Random"/>.</summary>
    public static int MixToInt(long seed, long a, long b = 0) => (int)(Mix(seed, a, b) & 0x7FFFFFFF);
}
