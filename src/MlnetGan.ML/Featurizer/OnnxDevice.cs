using System.Globalization;
using Microsoft.ML.OnnxRuntime;

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

    /// <summary>
    /// This device as ONNX Runtime can use it, checked now: the CPU stays; a CUDA device that opens stays; one that does
    /// not (the CPU build of ONNX Runtime, no GPU) becomes the CPU when <see cref="FallbackToCpu"/> (reported to
    /// <paramref name="log"/>), else throws <see cref="ArgumentException"/>. For code that hands the device to stock
    /// ML.NET transforms, whose own fall back does not catch every way CUDA can be missing.
    /// </summary>
    /// <param name="log">Receives the reason of a fall back to the CPU.</param>
    public OnnxDevice Resolve(Action<string>? log = null)
    {
        if (GpuDeviceId is not { } device) return this;
        try
        {
            using var options = SessionOptions.MakeSessionOptionWithCudaProvider(device);
            return this;
        }
        catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
        {
            var problem = CudaProblem(device, e);
            if (!FallbackToCpu) throw new ArgumentException(problem + ". Use the CPU or allow the fall back to it.", e);
            log?.Invoke(problem + "; falling back to the CPU");
            return new OnnxDevice(null, false);
        }
    }

    /// <summary>Why ONNX Runtime cannot use CUDA device <paramref name="device"/>, from the exception it gave.</summary>
    internal static string CudaProblem(int device, Exception e) =>
        $"ONNX Runtime cannot use CUDA device {device} ({e.Message.Split('\n')[0].Trim()}); the GPU build needs -p:MlnetGanAccelerator=cuda (Microsoft.ML.OnnxRuntime.Gpu) and an NVIDIA GPU";
}

/// <summary>The ONNX Runtime device asked for cannot be used (no CUDA provider or no GPU) and no fall back to the CPU was allowed.</summary>
public sealed class OnnxDeviceException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
