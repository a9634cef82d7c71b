namespace MlnetGan.ML;

/// <summary>Options of <see cref="DcganFeaturizerEstimator"/>; set once (init-only), so a fitted transformer's cannot change.</summary>
public sealed record DcganFeaturizerOptions
{
    /// <summary>The exported discriminator (<c>.onnx</c>). Its bytes are read at construction and kept in saved models.</summary>
    public string ModelPath { get; init; } = "";

    /// <summary>
    /// The input column: an image (<c>MLImage</c>, from <c>LoadImages</c>/<c>ResizeImages</c>) of the model's size, or a
    /// known-size vector of <see cref="float"/> holding the pixels planar (C, H, W) in 0..255, R, G, B order.
    /// </summary>
    public string InputColumnName { get; init; } = "Image";

    /// <summary>The output column: a known-size vector of <see cref="float"/>, the paper's features.</summary>
    public string OutputColumnName { get; init; } = "Features";

    /// <summary>When set, the model's score (DCGAN: probability real, length 1) or class probabilities (semi-supervised and supervised runs: K, the softmax of the logits) go to this column.</summary>
    public string? ScoreColumnName { get; init; }

    /// <summary>Rows per ONNX Runtime call.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>CUDA device for ONNX Runtime; null takes <c>MLContext.GpuDeviceId</c> (and null there means the CPU).</summary>
    public int? GpuDeviceId { get; init; }

    /// <summary>Where CUDA was asked for but is unavailable: use the CPU (logged) instead of failing. Null takes <c>MLContext.FallbackToCpu</c>.</summary>
    public bool? FallbackToCpu { get; init; }

    /// <summary>Image size for a model without MlnetGan metadata.</summary>
    public int? ImageSize { get; init; }

    /// <summary>Channels for a model without MlnetGan metadata.</summary>
    public int? Channels { get; init; }
}
