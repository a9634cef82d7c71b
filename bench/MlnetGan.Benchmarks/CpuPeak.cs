using System.Globalization;
using MlnetGan.Gan;

namespace MlnetGan.Benchmarks;

/// <summary>
/// The CPU's theoretical peak: cores x clock x FLOP per cycle for the widest instructions it reports. Per core and cycle:
/// two fused multiply-add pipes (as on AMD Zen 4/5 and Intel's server cores) of 16 float32 lanes with AVX-512 (8 with AVX2),
/// 2 FLOPs per lane, so 64 (32); bf16 dot products (avx512_bf16's VDPBF16PS) do twice that, 128; AMX's bf16 tiles 1,024
/// multiply-adds, 2,048. The clock is the one the OS reports (<c>cpu MHz</c> in /proc/cpuinfo, or cpufreq's maximum where the
/// system exposes it): a virtual machine reports its base clock, and a core that boosts above it can beat this "peak".
/// </summary>
internal sealed record CpuPeak(int Cores, double ClockGhz, string ClockSource, int Fp32PerCycle, int Bf16PerCycle, string Isa)
{
    /// <summary>Peak FLOP/s for <paramref name="precision"/>.</summary>
    public double FlopsPerSecond(TrainingPrecision precision) =>
        Cores * ClockGhz * 1e9 * (precision == TrainingPrecision.Bf16 ? Bf16PerCycle : Fp32PerCycle);

    /// <summary>How the peak was found, in one line.</summary>
    public string Describe() =>
        $"{Cores} cores x {ClockGhz:F2} GHz ({ClockSource}) x FLOP per cycle for {Isa}: fp32 {Fp32PerCycle}, bf16 {Bf16PerCycle} "
        + $"= {FlopsPerSecond(TrainingPrecision.Fp32) / 1e9:F0} / {FlopsPerSecond(TrainingPrecision.Bf16) / 1e9:F0} GFLOP/s";

    /// <summary>Reads the flags and clock of this machine; null where /proc/cpuinfo has none (not Linux).</summary>
    public static CpuPeak? Detect()
    {
        var flags = TrainingPrecisions.ReadCpuFlags();
        double? clock = ReadCpuInfoMhz();
        string source = "cpu MHz of /proc/cpuinfo";
        var maxFrequency = "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq";
        if (File.Exists(maxFrequency) && double.TryParse(File.ReadAllText(maxFrequency).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var khz))
        {
            clock = khz / 1000;
            source = "cpufreq's cpuinfo_max_freq";
        }
        if (flags.Count == 0 || clock is null) return null;
        int cores = Math.Min(Environment.ProcessorCount, TorchSharp.torch.get_num_threads());
        bool avx512 = flags.Contains("avx512f"), avx2 = flags.Contains("avx2") && flags.Contains("fma");
        int fp32 = avx512 ? 64 : avx2 ? 32 : 16;
        var (bf16, isa) = flags.Contains("amx_bf16") ? (2048, "amx_bf16")
            : flags.Contains("avx512_bf16") ? (2 * fp32, "avx512_bf16")
            : (fp32, avx512 ? "avx512f (bf16 converted to float32)" : avx2 ? "avx2+fma (bf16 converted to float32)" : "sse (bf16 converted to float32)");
        return new CpuPeak(cores, clock.Value / 1000, source, fp32, bf16, isa);
    }

    private static double? ReadCpuInfoMhz()
    {
        if (!File.Exists("/proc/cpuinfo")) return null;
        var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("cpu MHz", StringComparison.Ordinal));
        return line is not null && double.TryParse(line[(line.IndexOf(':') + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var mhz) ? mhz : null;
    }
}
