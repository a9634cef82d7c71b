using System.Globalization;
using MlnetGan.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MlnetGan.Gan;

/// <summary>Resolves the user's device choice (<c>auto</c>, <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>) to a TorchSharp device.</summary>
public static class TorchDevice
{
    /// <summary>How an error message names the device setting (the <c>Device</c> of the option records; see <see cref="ISettingError"/>).</summary>
    public const string SettingName = "Device";

    /// <summary>
    /// Resolves <paramref name="spec"/>. <c>auto</c> takes CUDA when TorchSharp has it, else the CPU. Asking for CUDA where
    /// it is unavailable throws, unless <paramref name="allowCpuFallback"/> is set: then it logs the fall back and uses the CPU.
    /// </summary>
    public static Device Resolve(string spec, bool allowCpuFallback = false, Action<string>? log = null)
    {
        var normalized = (spec ?? "auto").Trim().ToLowerInvariant();
        if (normalized == "cpu") return CPU;
        if (normalized == "auto") return cuda.is_available() ? new Device(DeviceType.CUDA, 0) : CPU;
        if (normalized == "cuda" || normalized.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (normalized.Length > 4 && !int.TryParse(normalized.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out index))
                throw new ArgumentException($"device '{spec}' is not valid: use auto, cpu, cuda or cuda:N");
            string? problem = !cuda.is_available()
                ? "TorchSharp has no CUDA device here (this build uses the CPU libtorch; build with -p:MlnetGanAccelerator=cuda on a machine with an NVIDIA GPU)"
                : index >= cuda.device_count() ? $"there are only {cuda.device_count()} CUDA devices" : null;
            if (problem is null) return new Device(DeviceType.CUDA, index);
            if (!allowCpuFallback) throw new InvalidSettingException(name => $"device '{spec}' was requested but {problem}; use {name(SettingName)} cpu or allow the CPU fall back");
            log?.Invoke($"device '{spec}' is unavailable ({problem}); falling back to the CPU");
            return CPU;
        }
        throw new ArgumentException($"device '{spec}' is not valid: use auto, cpu, cuda or cuda:N");
    }
}
