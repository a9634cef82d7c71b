namespace MlnetGan.ML;

/// <summary>Options of <see cref="DcganClassifierEstimator"/>; set once (init-only), so a fitted pipeline's cannot change.</summary>
public sealed record DcganClassifierOptions
{
    /// <summary>The exported K-class discriminator (<c>.onnx</c>) of a semi-supervised or supervised-only run.</summary>
    public string ModelPath { get; init; } = "";

    /// <summary>The input column, as for the featurizer: an image of the model's size or a planar 0..255 pixel vector.</summary>
    public string InputColumnName { get; init; } = "Image";

    /// <summary>Receives the K class probabilities (softmax of the logits), as ML.NET's multiclass trainers give <c>Score</c>.</summary>
    public string ScoreColumnName { get; init; } = "Score";

    /// <summary>Receives the most probable class as a key whose values are the model's class names.</summary>
    public string PredictedLabelColumnName { get; init; } = "PredictedLabel";

    /// <summary>Rows per ONNX Runtime call.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>CUDA device for ONNX Runtime; null takes <c>MLContext.GpuDeviceId</c>.</summary>
    public int? GpuDeviceId { get; init; }

    /// <summary>Where CUDA was asked for but is unavailable: use the CPU instead of failing. Null takes <c>MLContext.FallbackToCpu</c>.</summary>
    public bool? FallbackToCpu { get; init; }
}
