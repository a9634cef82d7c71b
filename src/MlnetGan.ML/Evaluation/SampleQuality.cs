using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace MlnetGan.ML;

/// <summary>
/// How a classifier trained on real labelled images sees generated ones: its accuracy and mean confidence on the real
/// test images, and on the generated images its mean confidence and how the predicted classes spread (a histogram and its
/// entropy; log2(K) bits when every class is predicted equally often, 0 when every sample gets the same class).
/// </summary>
/// <param name="Judge">The classifier and the features it reads.</param>
/// <param name="ClassNames">Class names in label order.</param>
/// <param name="JudgeTestAccuracy">Accuracy of the judge on the real test images.</param>
/// <param name="RealConfidence">Mean highest class probability on the real test images.</param>
/// <param name="RealEntropyBits">Entropy of the predicted-class histogram of the real test images (bits).</param>
/// <param name="GeneratedCount">Generated images judged.</param>
/// <param name="GeneratedConfidence">Mean highest class probability on the generated images.</param>
/// <param name="GeneratedEntropyBits">Entropy of the predicted-class histogram of the generated images (bits).</param>
/// <param name="MaxEntropyBits">log2 of the number of classes: the entropy of a uniform spread.</param>
/// <param name="GeneratedHistogram">Generated images per predicted class, in label order.</param>
/// <param name="RealHistogram">Real test images per predicted class, in label order.</param>
public sealed record SampleQuality(
    string Judge,
    IReadOnlyList<string> ClassNames,
    double JudgeTestAccuracy,
    double RealConfidence,
    double RealEntropyBits,
    int GeneratedCount,
    double GeneratedConfidence,
    double GeneratedEntropyBits,
    double MaxEntropyBits,
    IReadOnlyList<int> GeneratedHistogram,
    IReadOnlyList<int> RealHistogram)
{
    /// <summary>The judge's L2 strength (fixed: the middle of the L-BFGS grid of <see cref="EvaluationOptions.DefaultGrid"/>).</summary>
    public const double JudgeL2 = 1.0;

    /// <summary>
    /// Fits a multinomial logistic regression (L-BFGS, L2 <see cref="JudgeL2"/>, features standardised on the training
    /// rows) on every labelled training row and judges the test rows and the generated rows. The matrices are not changed.
    /// </summary>
    /// <param name="context">The ML.NET context (its seed makes the fit reproducible).</param>
    /// <param name="train">Features of the real labelled training images.</param>
    /// <param name="test">Features of the real labelled test images.</param>
    /// <param name="generated">Features of the generated images (labels ignored).</param>
    /// <param name="classNames">Class names in label order.</param>
    /// <param name="featureName">What the features are, for <see cref="Judge"/>.</param>
    public static SampleQuality Measure(MLContext context, FeatureMatrix train, FeatureMatrix test, FeatureMatrix generated, IReadOnlyList<string> classNames, string featureName)
    {
        int classes = classNames.Count;
        if (train.Dimension != test.Dimension || train.Dimension != generated.Dimension)
            throw new ArgumentException($"feature lengths differ: train {train.Dimension}, test {test.Dimension}, generated {generated.Dimension}");
        if (generated.Rows.Length == 0) throw new ArgumentException("no generated images to judge", nameof(generated));
        var pipeline = context.Transforms.NormalizeMeanVariance("Features")
            .Append(context.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
            {
                LabelColumnName = "Label", FeatureColumnName = "Features", L1Regularization = 0, L2Regularization = (float)JudgeL2, NumberOfThreads = EvaluationProtocol.LbfgsThreads,
            }));
        var model = pipeline.Fit(new FeatureRowsDataView(train, All(train), classNames));

        var (testPredicted, testConfidence) = Predict(model, test, classNames);
        int correct = testPredicted.Where((p, i) => p == test.Labels[i]).Count();
        var (generatedPredicted, generatedConfidence) = Predict(model, generated, classNames);
        var histogram = new int[classes];
        foreach (var p in generatedPredicted) histogram[p]++;
        var realHistogram = new int[classes];
        foreach (var p in testPredicted) realHistogram[p]++;
        return new SampleQuality($"logistic regression (L-BFGS, L2 {JudgeL2:G2}) on {featureName}, fitted on {train.Rows.Length:N0} real labelled images", classNames,
            (double)correct / test.Rows.Length, testConfidence.Average(), EntropyBits(realHistogram),
            generated.Rows.Length, generatedConfidence.Average(), EntropyBits(histogram), Math.Log2(classes), histogram, realHistogram);
    }

    /// <summary>Entropy in bits of the distribution that <paramref name="counts"/> describes.</summary>
    public static double EntropyBits(IReadOnlyList<int> counts)
    {
        double total = counts.Sum();
        return counts.Where(c => c > 0).Sum(c => -(c / total) * Math.Log2(c / total));
    }

    private static int[] All(FeatureMatrix matrix) => Enumerable.Range(0, matrix.Rows.Length).ToArray();

    private static (int[] Predicted, double[] Confidence) Predict(ITransformer model, FeatureMatrix matrix, IReadOnlyList<string> classNames)
    {
        var scored = model.Transform(new FeatureRowsDataView(matrix, All(matrix), classNames));
        var predicted = scored.GetColumn<uint>("PredictedLabel").Select(p => (int)p - 1).ToArray();
        var confidence = scored.GetColumn<float[]>("Score").Select(s => (double)s.Max()).ToArray();
        return (predicted, confidence);
    }
}
