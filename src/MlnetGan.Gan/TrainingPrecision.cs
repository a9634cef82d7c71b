using TorchSharp;
using static TorchSharp.torch;

namespace MlnetGan.Gan;

/// <summary>
/// The number format training computes in. Parameters, their gradients, Adam's states, BatchNorm statistics, losses and
/// checkpoints are float32 in every precision; only the convolutions and the activations between them change.
/// </summary>
public enum TrainingPrecision
{
    /// <summary>bf16 where the device has fast bf16 arithmetic (<see cref="TrainingPrecisions.Bf16Support"/>), float32 elsewhere.</summary>
    Auto,

    /// <summary>Everything in float32.</summary>
    Fp32,

    /// <summary>
    /// Mixed precision: float32 master weights; each convolution casts its weight to bfloat16 and runs on bfloat16
    /// activations; BatchNorm takes the bfloat16 activations with float32 scale, shift and statistics; D's logits and
    /// G's images come back as float32. bf16 keeps float32's exponent range, so no loss scaling is needed.
    /// </summary>
    Bf16,
}

/// <summary>Resolves <see cref="TrainingPrecision.Auto"/> and maps a precision to the compute type of the models.</summary>
public static class TrainingPrecisions
{
    private static readonly Lazy<IReadOnlySet<string>> CpuFlags = new(ReadCpuFlags);

    /// <summary>
    /// Whether <paramref name="device"/> has fast bf16 arithmetic, and why: on the CPU, the <c>avx512_bf16</c> or
    /// <c>amx_bf16</c> flag of <c>/proc/cpuinfo</c> (Linux; other systems report none); on CUDA, a compute capability of
    /// 8.0 or more (Ampere and later) as <c>nvidia-smi</c> reports it.
    /// </summary>
    public static (bool Fast, string Reason) Bf16Support(Device device)
    {
        if (device.type == DeviceType.CUDA)
        {
            var capability = CudaComputeCapability(device.index);
            return capability is null ? (false, "the CUDA compute capability could not be read (nvidia-smi)")
                : capability >= 8.0 ? (true, $"CUDA compute capability {capability:0.0} (bf16 tensor cores)")
                : (false, $"CUDA compute capability {capability:0.0} is below 8.0 (no bf16 tensor cores)");
        }
        var flags = CpuFlags.Value;
        var found = new[] { "amx_bf16", "avx512_bf16" }.Where(flags.Contains).ToArray();
        return found.Length > 0 ? (true, $"the CPU reports {string.Join(" and ", found)}")
            : (false, flags.Count == 0 ? "the CPU's flags could not be read (/proc/cpuinfo)" : "the CPU reports neither avx512_bf16 nor amx_bf16");
    }

    /// <summary><paramref name="precision"/> with <see cref="TrainingPrecision.Auto"/> decided for <paramref name="device"/>.</summary>
    public static TrainingPrecision Resolve(TrainingPrecision precision, Device device) =>
        precision != TrainingPrecision.Auto ? precision : Bf16Support(device).Fast ? TrainingPrecision.Bf16 : TrainingPrecision.Fp32;

    /// <summary>The type the models compute in for a resolved <paramref name="precision"/>.</summary>
    public static ScalarType ComputeType(this TrainingPrecision precision) => precision switch
    {
        TrainingPrecision.Fp32 => ScalarType.Float32,
        TrainingPrecision.Bf16 => ScalarType.BFloat16,
        _ => throw new ArgumentException($"precision {precision} must be resolved before training (TrainingPrecisions.Resolve)", nameof(precision)),
    };

    /// <summary>Convolutions with fewer channels than this on either side compute in float32 under <see cref="TrainingPrecision.Bf16"/>.</summary>
    public const int MinBf16Channels = 16;

    /// <summary>
    /// The type a convolution from <paramref name="inChannels"/> to <paramref name="outChannels"/> computes in, given the
    /// model's <paramref name="computeType"/> and its <paramref name="parameterType"/>. libtorch 2.10's bfloat16 CPU kernels
    /// compute a convolution whose result has fewer than 16 channels wrongly and non-deterministically (the forward pass of a
    /// transposed convolution to 1-8 channels, the input gradient of a convolution from 1-8 channels: relative errors 0.3-0.6
    /// against float64, measured on AMD family 26 with avx512_bf16), so those layers, the ones that touch the image, stay in
    /// the parameters' type. They are about 5 % of a DCGAN step's arithmetic.
    /// </summary>
    public static ScalarType ConvolutionType(ScalarType computeType, ScalarType parameterType, long inChannels, long outChannels) =>
        computeType == ScalarType.BFloat16 && Math.Min(inChannels, outChannels) < MinBf16Channels ? parameterType : computeType;

    /// <summary>The CPU's feature flags (lower case), as <c>/proc/cpuinfo</c> lists them; empty where it cannot be read.</summary>
    public static IReadOnlySet<string> ReadCpuFlags()
    {
        try
        {
            if (!File.Exists("/proc/cpuinfo")) return new HashSet<string>();
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
            return line is null ? new HashSet<string>() : line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        }
        catch (IOException)
        {
            return new HashSet<string>();
        }
    }

    private static double? CudaComputeCapability(int index)
    {
        try
        {
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("nvidia-smi", ["--query-gpu=compute_cap", "--format=csv,noheader", "-i", index.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            });
            if (process is null) return null;
            var output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(10_000) || process.ExitCode != 0) return null;
            return double.TryParse(output.Trim(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var capability) ? capability : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
