namespace MlnetGan.ML;

/// <summary>
/// MlnetGan.ML references ONNX Runtime's managed assembly only, so that an application chooses the native build (CPU or
/// CUDA). Where the application has none, ONNX Runtime's first call fails deep in a type initializer; this turns that
/// into one message naming the packages to add.
/// </summary>
internal static class OnnxRuntimeNative
{
    public const string MissingMessage =
        "ONNX Runtime's native library (onnxruntime) was not found: add the package Microsoft.ML.OnnxRuntime (CPU) " +
        "or Microsoft.ML.OnnxRuntime.Gpu (CUDA) to the application";

    /// <summary>Runs <paramref name="call"/>, ONNX Runtime's first call in a process; a missing native library becomes a <see cref="DllNotFoundException"/> naming the packages.</summary>
    public static T Call<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (Exception e) when (IsMissingNativeLibrary(e))
        {
            throw new DllNotFoundException(MissingMessage, e);
        }
    }

    private static bool IsMissingNativeLibrary(Exception e) => e switch
    {
        DllNotFoundException => true,
        TypeInitializationException { InnerException: { } inner } => IsMissingNativeLibrary(inner),
        _ => false,
    };
}
