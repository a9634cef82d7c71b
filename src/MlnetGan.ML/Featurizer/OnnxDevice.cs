using System.Globalization;

namespace MlnetGan.ML;

/// <summary>Where ONNX Runtime runs: the CPU, or a CUDA device with or without a fall back to the CPU.</summary>
public sealed record OnnxDevice(int? GpuDeviceId, bool FallbackToCpu)
{
    /// <summary>
    /// Parses the CLI's <c>auto | cpu | cuda | cuda:N</c>. <c>auto</c> tries CUDA device 0 and falls back to the CPU
    /// (logged); <c>cuda[:N]</c> fails where CUDA is unavailable unless <paramref name="allowCpuFallback"/>.
    /// </summary>
    public static OnnxDevice Parse(string spec, bool allowCpuFallback = false)
    {
        var normalized = (spec ?? "auto").Trim().ToLowerInvariant();
        if (normalized == "cpu") return new OnnxDevice(null, false);
        if (normalized == "auto") return new OnnxDevice(0, true);
        if (normalized == "cuda") return new OnnxDevice(0, allowCpuFallback);
        if (normalized.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(normalized.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            return new OnnxDevice(index, allowCpuFallback);
        throw new ArgumentException($"device '{spec}' is not valid: use auto, cpu, cuda or cuda:N");
    }
}

/// <summary>The ONNX Runtime device asked for cannot be used (no CUDA provider or no GPU) and no fall back to the CPU was allowed.</summary>
public sealed class OnnxDeviceException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
