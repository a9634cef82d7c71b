using System.Runtime.InteropServices;

namespace MlnetGan.Gan;

/// <summary>
/// glibc's malloc settings for training with libtorch on Linux. Every training step frees and reallocates the same large
/// tensor buffers, and glibc's defaults hand such buffers back to the kernel (blocks over its mmap threshold are unmapped
/// when freed, the heap's free top is trimmed, and the per-thread arenas shrink), so the next step faults the same pages
/// in again and the kernel zeroes them. The settings here keep freed buffers in the process for reuse: blocks up to
/// 32 MiB come from the heap, up to 256 MiB of free heap is kept, and one arena serves every thread. Measured side by side
/// (BENCHMARKS.md, "glibc's malloc and the trainer"): the demo's model trained at 900-1,200 images/s with glibc's
/// defaults and 1,400-1,600 with these; the process's memory stays flat, 130-200 MiB higher.
/// </summary>
public static class NativeAllocator
{
    /// <summary>Blocks up to this size come from the heap instead of their own mapping (the largest value glibc accepts on 64-bit).</summary>
    public const int MmapThreshold = 32 << 20;

    /// <summary>Free memory at the top of the heap up to this size is kept instead of returned to the kernel.</summary>
    public const int TrimThreshold = 256 << 20;

    /// <summary>The environment variables through which a user configures glibc's malloc; when any is set, it is left as the user set it.</summary>
    public static readonly IReadOnlyList<string> UserSettings = ["GLIBC_TUNABLES", "MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_"];

    private const int MallocTrimThresholdParameter = -1, MallocMmapThresholdParameter = -3, MallocArenaMaxParameter = -8;

    private static readonly Lazy<string> Outcome = new(Apply, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Applies the settings once per process (later calls return the first outcome) and says what happened: applied, or
    /// why not (not Linux with glibc, or the user's own settings in the environment).
    /// </summary>
    public static string TuneForTraining() => Outcome.Value;

    private static string Apply()
    {
        if (!OperatingSystem.IsLinux()) return "left as it is (not Linux)";
        if (UserSetting(Environment.GetEnvironmentVariable) is { } set) return $"left as the environment sets it ({set})";
        try
        {
            var version = Marshal.PtrToStringUTF8(GnuLibcVersion());
            bool applied = MallocOption(MallocMmapThresholdParameter, MmapThreshold) == 1
                & MallocOption(MallocTrimThresholdParameter, TrimThreshold) == 1
                & MallocOption(MallocArenaMaxParameter, 1) == 1;
            return applied ? $"glibc {version}: mmap threshold {MmapThreshold >> 20} MiB, trim threshold {TrimThreshold >> 20} MiB, one arena" : $"glibc {version} refused a setting";
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return "left as it is (the C library is not glibc)";
        }
    }

    /// <summary>The first of <see cref="UserSettings"/> that <paramref name="environment"/> defines (even as empty), or null.</summary>
    public static string? UserSetting(Func<string, string?> environment) => UserSettings.FirstOrDefault(name => environment(name) is not null);

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallocOption(int parameter, int value);

    [DllImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static extern IntPtr GnuLibcVersion();
}
