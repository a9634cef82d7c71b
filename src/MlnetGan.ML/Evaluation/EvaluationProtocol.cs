using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MlnetGan.Data;

namespace MlnetGan.ML;

/// <summary>The linear classifiers of the evaluation.</summary>
public enum ProbeClassifier
{
    /// <summary>Multiclass linear SVM: SDCA with hinge loss and L2 regularisation (the paper's L2-SVM).</summary>
    LinearSvm,

    /// <summary>Multinomial logistic regression trained with SDCA.</summary>
    SdcaMaxEnt,

    /// <summary>Multinomial logistic regression trained with L-BFGS (L2 only).</summary>
    LbfgsMaxEnt,
}

/// <summary>Options of <see cref="EvaluationProtocol.Run"/>.</summary>
public sealed record EvaluationOptions
{
    /// <summary>Labelled training images per class for each budget; null ("all") means every labelled training image, whatever the class sizes.</summary>
    public IReadOnlyList<int?> LabelsPerClass { get; init; } = [100, 400, 1000, null];

    /// <summary>Random labelled subsets per budget (the "all" budget has one subset, so one run).</summary>
    public int Repeats { get; init; } = 3;

    /// <summary>The linear classifier fitted on the features.</summary>
    public ProbeClassifier Classifier { get; init; } = ProbeClassifier.LinearSvm;

    /// <summary>Seed of the subsets, the validation splits and the trainers.</summary>
    public long Seed { get; init; }

    /// <summary>
    /// Discriminator features of each image averaged with those of its mirror image (left to right), for the training and
    /// the test images alike: a test-time augmentation the paper's setting allows. The raw-pixel baseline is unchanged.
    /// </summary>
    public bool AverageHorizontalFlip { get; init; }

    /// <summary>Part of each labelled subset held out (per class, at least one image) to choose the regularisation.</summary>
    public double ValidationFraction { get; init; } = 0.2;

    /// <summary>L2 strengths tried on the validation split; null takes the classifier's default grid.</summary>
    public IReadOnlyList<double>? RegularizationGrid { get; init; }

    /// <summary>
    /// Passes over the data for the SDCA trainers. (Their L1 strength is pinned to 0: left unset, SDCA picks an L1
    /// threshold from the data that zeroes every weight of these high-dimensional features.)
    /// </summary>
    public int MaxIterations { get; init; } = 30;

    /// <summary>The grid used for <paramref name="classifier"/> when none is given.</summary>
    public static IReadOnlyList<double> DefaultGrid(ProbeClassifier classifier) => classifier == ProbeClassifier.LbfgsMaxEnt
        ? [0.01, 0.1, 1, 10, 100]
        : [1e-4, 1e-3, 1e-2, 1e-1, 1];
}

/// <summary>
/// One feature set at one label budget: accuracy on the full test split over the repeats. <c>LabelsPerClass</c> is the
/// budget, or for <c>all</c> the labelled training images per class on average.
/// </summary>
public sealed record BudgetResult(string FeatureSet, string Budget, int LabelsPerClass, double MeanAccuracy, double StdAccuracy, IReadOnlyList<double> Accuracies, IReadOnlyList<double> ChosenRegularization);

/// <summary>Everything an evaluation measured.</summary>
public sealed record EvaluationResult(
    IReadOnlyList<string> ClassNames,
    string Classifier,
    IReadOnlyList<BudgetResult> Results,
    IReadOnlyDictionary<string, int[][]> ConfusionMatrices,
    IReadOnlyDictionary<string, int> FeatureDimensions,
    int TrainCount,
    int TestCount,
    double Seconds)
{
    /// <summary>How a classifier trained on real images judges a trained generator's samples, when the evaluation was given some.</summary>
    public SampleQuality? GeneratedSamples { get; init; }
}

/// <summary>
/// The DCGAN paper's CIFAR-10 protocol: for each feature set (trained discriminator, baselines), standardised features
/// (statistics of the whole training split, no labels), and for each label budget several class-balanced random labelled
/// subsets (the <c>all</c> budget: every labelled image, once); on each, the L2 strength is chosen on a validation split carved from the subset (never from the test split),
/// the linear classifier is refitted on the whole subset and scored on the full test split.
/// </summary>
public static class EvaluationProtocol
{
    /// <summary>Runs the protocol. The feature matrices are standardised in place.</summary>
    public static EvaluationResult Run(MLContext context, IReadOnlyDictionary<string, (FeatureMatrix Train, FeatureMatrix Test)> featureSets,
        IReadOnlyList<string> classNames, EvaluationOptions options, IProgress<string>? progress = null)
    {
        if (featureSets.Count == 0) throw new ArgumentException("no feature sets to evaluate");
        if (options.Repeats < 1) throw new ArgumentException($"repeats must be at least 1, not {options.Repeats}");
        var clock = Stopwatch.StartNew();
        int classes = classNames.Count;
        var first = featureSets.Values.First();
        var trainLabels = first.Train.Labels;
        var testLabels = first.Test.Labels;
        if (trainLabels.Any(l => l < 0) || testLabels.Any(l => l < 0))
            throw new ArgumentException("the evaluation needs a label for every training and test image");

        foreach (var (train, test) in featureSets.Values) train.StandardizeWith(test);

        var results = new List<BudgetResult>();
        var confusion = new Dictionary<string, int[][]>();
        var byClass = ByClass(trainLabels, classes);
        int smallestClass = byClass.Min(c => c.Length);
        if (smallestClass < 2)
            throw new ArgumentException($"the smallest class has {smallestClass} training image{(smallestClass == 1 ? "" : "s")}; the protocol needs at least 2 per class (one to fit, one to validate)");
        foreach (var budget in options.LabelsPerClass)
        {
            if (budget > smallestClass)
                throw new ArgumentException($"{budget} labels per class requested but the smallest class has {smallestClass} training images");
            int perClass = NominalPerClass(budget, byClass);
            string budgetName = budget is null ? "all" : perClass.ToString(System.Globalization.CultureInfo.InvariantCulture);
            int repeats = budget is null ? 1 : options.Repeats;
            var subsets = Enumerable.Range(0, repeats).Select(r => Subset(byClass, budget, options.Seed, r, options.ValidationFraction)).ToList();
            foreach (var (name, (train, test)) in featureSets)
            {
                var accuracies = new List<double>();
                var chosen = new List<double>();
                for (int r = 0; r < repeats; r++)
                {
                    var (fit, validation) = subsets[r];
                    var (final, best, _) = FitChoosingRegularization(context, train, fit, validation, classNames, options, options.Seed + r);
                    accuracies.Add(Score(final, test, Enumerable.Range(0, test.Rows.Length).ToArray(), classes, out var matrix));
                    chosen.Add(best);
                    if (r == 0) confusion[name] = matrix;
                    progress?.Report($"{name}, {budgetName} labels per class, subset {r + 1}/{repeats}: {accuracies[^1]:P1} (L2 {best:G2})");
                }
                double mean = accuracies.Average();
                double std = accuracies.Count > 1 ? Math.Sqrt(accuracies.Sum(a => (a - mean) * (a - mean)) / (accuracies.Count - 1)) : 0;
                results.Add(new BudgetResult(name, budgetName, perClass, mean, std, accuracies, chosen));
            }
        }
        return new EvaluationResult(classNames, DisplayName(options.Classifier), results, confusion,
            featureSets.ToDictionary(p => p.Key, p => p.Value.Train.Dimension), trainLabels.Length, testLabels.Length, clock.Elapsed.TotalSeconds);
    }

    /// <summary>How reports name a classifier.</summary>
    public static string DisplayName(ProbeClassifier classifier) => classifier switch
    {
        ProbeClassifier.LinearSvm => "linear SVM (SDCA, hinge loss, L2)",
        ProbeClassifier.SdcaMaxEnt => "logistic regression (SDCA, L2)",
        ProbeClassifier.LbfgsMaxEnt => "logistic regression (L-BFGS, L2)",
        _ => classifier.ToString(),
    };

    /// <summary>The indices of each class's images (unlabelled images belong to none).</summary>
    internal static int[][] ByClass(int[] labels, int classes) =>
        Enumerable.Range(0, classes).Select(k => Enumerable.Range(0, labels.Length).Where(i => labels[i] == k).ToArray()).ToArray();

    /// <summary>
    /// Threads of the L-BFGS trainers, fixed so that a fit is the same on every machine. ML.NET's L-BFGS with one thread
    /// reads the data view again for every evaluation of the loss; with more than one it copies the rows into memory once
    /// and splits them into that many fixed chunks whose gradients it adds in order (so the result does not depend on
    /// timing). Two threads fitted the demo's judge (5,000 images, 3,584 features) in 4.5 s instead of 25 s.
    /// </summary>
    internal const int LbfgsThreads = 2;

    /// <summary>
    /// Chooses the L2 strength of the grid with the best accuracy on <paramref name="validation"/> (fitting on
    /// <paramref name="fit"/>), then refits on both with it: the classifier the protocol scores.
    /// </summary>
    internal static (ITransformer Model, double Regularization, double ValidationAccuracy) FitChoosingRegularization(MLContext context, FeatureMatrix matrix,
        int[] fit, int[] validation, IReadOnlyList<string> classNames, EvaluationOptions options, long seed)
    {
        var grid = options.RegularizationGrid ?? EvaluationOptions.DefaultGrid(options.Classifier);
        double best = grid[0], bestAccuracy = -1;
        foreach (var lambda in grid)
        {
            var model = Fit(context, matrix, fit, classNames, options, lambda, seed);
            double accuracy = Score(model, matrix, validation, classNames.Count, out _);
            if (accuracy > bestAccuracy) (best, bestAccuracy) = (lambda, accuracy);
        }
        return (Fit(context, matrix, [.. fit, .. validation], classNames, options, best, seed), best, bestAccuracy);
    }

    /// <summary>
    /// Labelled images per class of a budget: the budget itself, or for <c>all</c> (null) the labelled images per class
    /// on average (a class's own size on a balanced dataset). It also keys the budget's random subsets.
    /// </summary>
    internal static int NominalPerClass(int? budget, int[][] byClass) => budget ?? byClass.Sum(c => c.Length) / byClass.Length;

    /// <summary>
    /// A labelled subset split into fitting and validation indices, reproducible from the seed: <paramref name="budget"/>
    /// images of every class, or with <c>all</c> (null) every labelled image of every class. Each class holds out its
    /// share of <paramref name="validationFraction"/> (at least one image) for validation.
    /// </summary>
    internal static (int[] Fit, int[] Validation) Subset(int[][] byClass, int? budget, long seed, int repeat, double validationFraction)
    {
        var random = new Random(SeedMixer.MixToInt(seed, NominalPerClass(budget, byClass), repeat));
        var fit = new List<int>();
        var validation = new List<int>();
        foreach (var members in byClass)
        {
            int taken = budget ?? members.Length;
            int held = Math.Clamp((int)Math.Round(taken * validationFraction), 1, Math.Max(1, taken - 1));
            var chosen = members.ToArray();
            random.Shuffle(chosen);
            validation.AddRange(chosen.Take(held));
            fit.AddRange(chosen.Skip(held).Take(taken - held));
        }
        return (fit.ToArray(), validation.ToArray());
    }

    private static ITransformer Fit(MLContext context, FeatureMatrix matrix, int[] indices, IReadOnlyList<string> classNames, EvaluationOptions options, double lambda, long seed)
    {
        var data = new FeatureRowsDataView(matrix, indices, classNames);
        var trainers = context.MulticlassClassification.Trainers;
        IEstimator<ITransformer> trainer = options.Classifier switch
        {
            ProbeClassifier.LinearSvm => trainers.SdcaNonCalibrated(new SdcaNonCalibratedMulticlassTrainer.Options
            {
                LabelColumnName = "Label", FeatureColumnName = "Features", Loss = new HingeLoss(), L2Regularization = (float)lambda, L1Regularization = 0,
                MaximumNumberOfIterations = options.MaxIterations, NumberOfThreads = 1, Shuffle = true,
            }),
            ProbeClassifier.SdcaMaxEnt => trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options
            {
                LabelColumnName = "Label", FeatureColumnName = "Features", L2Regularization = (float)lambda, L1Regularization = 0,
                MaximumNumberOfIterations = options.MaxIterations, NumberOfThreads = 1, Shuffle = true,
            }),
            ProbeClassifier.LbfgsMaxEnt => trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
            {
                LabelColumnName = "Label", FeatureColumnName = "Features", L1Regularization = 0, L2Regularization = (float)lambda, NumberOfThreads = LbfgsThreads,
            }),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Classifier, "unknown classifier"),
        };
        return trainer.Fit(data);
    }

    private static double Score(ITransformer model, FeatureMatrix matrix, int[] indices, int classes, out int[][] confusion)
    {
        confusion = Enumerable.Range(0, classes).Select(_ => new int[classes]).ToArray();
        var predictions = model.Transform(new FeatureRowsDataView(matrix, indices, classes: null));
        var predicted = predictions.GetColumn<uint>("PredictedLabel").ToArray();
        int correct = 0;
        for (int i = 0; i < indices.Length; i++)
        {
            int truth = matrix.Labels[indices[i]];
            int guess = (int)predicted[i] - 1;
            if (guess >= 0) confusion[truth][guess]++;
            if (guess == truth) correct++;
        }
        return (double)correct / indices.Length;
    }
}
