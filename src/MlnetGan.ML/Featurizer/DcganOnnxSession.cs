using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MlnetGan.ML;

/// <summary>An ONNX Runtime session over a discriminator that featurizes batches of pixels; thread-safe.</summary>
public sealed class DcganOnnxSession : IDisposable
{
    private readonly InferenceSession session;
    private readonly string[] outputNames;

    /// <summary>
    /// Opens the model on the CPU, or on CUDA device <paramref name="gpuDeviceId"/>. Where CUDA is unavailable (the CPU
    /// build of ONNX Runtime, no GPU) it throws, unless <paramref name="fallbackToCpu"/>: then it calls <paramref name="log"/> and uses the CPU.
    /// </summary>
    public DcganOnnxSession(byte[] model, DcganModelInfo info, int? gpuDeviceId = null, bool fallbackToCpu = false, Action<string>? log = null)
    {
        Info = info;
        outputNames = info.ScoreOutputName is null ? [info.FeatureOutputName] : [info.FeatureOutputName, info.ScoreOutputName];
        SessionOptions? options = null;
        if (gpuDeviceId is { } device)
        {
            try
            {
                options = SessionOptions.MakeSessionOptionWithCudaProvider(device);
                Device = $"cuda:{device}";
            }
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                var problem = OnnxDevice.CudaProblem(device, e);
                if (!fallbackToCpu) throw new OnnxDeviceException(problem + ". Use the CPU or allow the fall back to it.", e);
                log?.Invoke(problem + "; falling back to the CPU");
            }
        }
        session = options is null ? new InferenceSession(model) : new InferenceSession(model, options);
        options?.Dispose();
    }

    /// <summary>The model's description.</summary>
    public DcganModelInfo Info { get; }

    /// <summary>Where the session runs: <c>cpu</c> or <c>cuda:N</c>.</summary>
    public string Device { get; } = "cpu";

    /// <summary>
    /// Runs <paramref name="count"/> images whose pixels (already in the model's range, planar) fill the start of
    /// <paramref name="pixels"/>; writes count x FeatureLength features and, when asked, count x ScoreLength scores.
    /// </summary>
    public void Run(float[] pixels, int count, float[] features, float[]? scores)
    {
        var input = new DenseTensor<float>(pixels.AsMemory(0, count * Info.PixelCount), [count, Info.Channels, Info.ImageSize, Info.ImageSize]);
        using var outputs = session.Run([NamedOnnxValue.CreateFromTensor(Info.InputName, input)], outputNames);
        foreach (var output in outputs)
        {
            var destination = output.Name == Info.FeatureOutputName ? features : scores;
            if (destination is null) continue;
            var values = ((DenseTensor<float>)output.AsTensor<float>()).Buffer.Span;
            values.CopyTo(destination);
        }
    }

    /// <inheritdoc />
    public void Dispose() => session.Dispose();
}
