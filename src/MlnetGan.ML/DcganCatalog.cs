using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MlnetGan.ML;

/// <summary>
/// <c>mlContext.Transforms.ExtractDcganFeatures(...)</c> and <c>mlContext.Transforms.ClassifyWithDcgan(...)</c>, in
/// ML.NET's argument order: the output column first, then the model, then the input column. The estimators work in the
/// catalog's own environment, so the context's seed, log and GPU settings reach them.
/// </summary>
public static class DcganCatalog
{
    /// <summary>
    /// Featurizes images with an exported DCGAN discriminator: <paramref name="inputColumnName"/> is an image of the model's
    /// size (use <c>ResizeImages</c>) or a planar 0..255 pixel vector; <paramref name="outputColumnName"/> receives the
    /// paper's features (every conv layer max-pooled to 4x4, concatenated).
    /// </summary>
    /// <param name="catalog">The transform catalog of an <see cref="MLContext"/>.</param>
    /// <param name="outputColumnName">The column that receives the features: a known-size vector of <see cref="float"/>.</param>
    /// <param name="modelPath">The exported discriminator (<c>.onnx</c>); its bytes are read now and kept in saved models.</param>
    /// <param name="inputColumnName">The column holding the images, or their pixels as a planar (C, H, W) 0..255 vector.</param>
    /// <param name="scoreColumnName">When set, the column that receives the model's score (DCGAN: probability real) or class probabilities.</param>
    /// <param name="batchSize">Rows per ONNX Runtime call.</param>
    public static DcganFeaturizerEstimator ExtractDcganFeatures(this TransformsCatalog catalog, string outputColumnName, string modelPath,
        string inputColumnName = "Image", string? scoreColumnName = null, int batchSize = 64) =>
        catalog.ExtractDcganFeatures(new DcganFeaturizerOptions
        {
            OutputColumnName = outputColumnName, ModelPath = modelPath, InputColumnName = inputColumnName, ScoreColumnName = scoreColumnName, BatchSize = batchSize,
        });

    /// <summary>Featurizes images with an exported DCGAN discriminator, with every option.</summary>
    /// <param name="catalog">The transform catalog of an <see cref="MLContext"/>.</param>
    /// <param name="options">The model, the columns and the ONNX Runtime settings.</param>
    public static DcganFeaturizerEstimator ExtractDcganFeatures(this TransformsCatalog catalog, DcganFeaturizerOptions options) =>
        new(MlNetInternals.EnvironmentOf(catalog), options);

    /// <summary>
    /// Classifies images with the K-class discriminator of a semi-supervised or supervised-only run: the most probable
    /// class (a key over the model's class names) to <paramref name="predictedLabelColumnName"/>, the per-class
    /// probabilities to <paramref name="scoreColumnName"/>.
    /// </summary>
    /// <param name="catalog">The transform catalog of an <see cref="MLContext"/>.</param>
    /// <param name="predictedLabelColumnName">The column that receives the most probable class, a key whose values are the class names.</param>
    /// <param name="modelPath">The exported K-class discriminator (<c>.onnx</c>).</param>
    /// <param name="inputColumnName">The column holding the images, or their pixels as a planar (C, H, W) 0..255 vector.</param>
    /// <param name="scoreColumnName">The column that receives the K class probabilities.</param>
    /// <param name="batchSize">Rows per ONNX Runtime call.</param>
    public static DcganClassifierEstimator ClassifyWithDcgan(this TransformsCatalog catalog, string predictedLabelColumnName, string modelPath,
        string inputColumnName = "Image", string scoreColumnName = "Score", int batchSize = 64) =>
        catalog.ClassifyWithDcgan(new DcganClassifierOptions
        {
            PredictedLabelColumnName = predictedLabelColumnName, ModelPath = modelPath, InputColumnName = inputColumnName, ScoreColumnName = scoreColumnName, BatchSize = batchSize,
        });

    /// <summary>Classifies images with a K-class discriminator, with every option.</summary>
    /// <param name="catalog">The transform catalog of an <see cref="MLContext"/>.</param>
    /// <param name="options">The model, the columns and the ONNX Runtime settings.</param>
    public static DcganClassifierEstimator ClassifyWithDcgan(this TransformsCatalog catalog, DcganClassifierOptions options) =>
        new(MlNetInternals.EnvironmentOf(catalog), options);

    /// <summary>
    /// Registers the ML.NET components that a saved pipeline with the featurizer or classifier uses (image transforms,
    /// ONNX scoring, expressions, MlnetGan's argmax mapping), so <c>mlContext.Model.Load</c> finds them in a process that
    /// has not touched them yet.
    /// </summary>
    /// <param name="catalog">The component catalog of the <see cref="MLContext"/> that loads the pipeline.</param>
    public static void RegisterDcganComponents(this ComponentCatalog catalog)
    {
        catalog.RegisterAssembly(typeof(DcganCatalog).Assembly);
        catalog.RegisterAssembly(typeof(Microsoft.ML.Transforms.Image.ImagePixelExtractingTransformer).Assembly);
        catalog.RegisterAssembly(typeof(Microsoft.ML.Transforms.Onnx.OnnxTransformer).Assembly);
        catalog.RegisterAssembly(typeof(Microsoft.ML.Transforms.ExpressionTransformer).Assembly);
    }
}
