using System.CommandLine;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.Onnx;

namespace MlnetGan.Cli.Commands;

/// <summary>Options that several commands share, built fresh for each command.</summary>
internal static class SharedOptions
{
    public static Option<string> Data(string description = "Dataset: 'builtin' (no download), a CIFAR-10 binary folder, an image folder (root/<class>/*.png|jpg), an MNIST IDX folder, or a packed folder ('mlnetgan pack'; read batch by batch, for datasets larger than memory).") =>
        new("--data") { Description = description, DefaultValueFactory = _ => BuiltinShapes.Name };

    public static Option<DatasetFormat> Format() =>
        OptionParsers.KebabCase(new Option<DatasetFormat>("--format") { Description = "Force the dataset format instead of detecting it.", DefaultValueFactory = _ => DatasetFormat.Auto });

    public static Option<bool> SkipCorrupt() =>
        new("--skip-corrupt-images") { Description = "Image folders: leave undecodable files out with a warning instead of failing." };

    public static Option<string> Device() =>
        new("--device") { Description = "auto | cpu | cuda | cuda:N. auto takes CUDA when available.", DefaultValueFactory = _ => "auto" };

    public static Option<bool> AllowCpuFallback() =>
        new("--allow-cpu-fallback") { Description = "When CUDA is requested but unavailable, log it and use the CPU instead of failing." };

    public static Option<TrainingPrecision> Precision() => OptionParsers.KebabCase(new Option<TrainingPrecision>("--precision")
    {
        Description = "Training arithmetic: fp32, bf16 (mixed: float32 weights and optimizer, bfloat16 convolutions) or auto (bf16 where the CPU reports avx512_bf16 "
            + "or amx_bf16, or on a CUDA GPU of compute capability 8.0 or more; fp32 elsewhere). A resumed run keeps its own unless this is given.",
        DefaultValueFactory = _ => TrainingPrecision.Auto,
    });

    public static Option<bool> AverageFlip() =>
        new("--average-flip") { Description = "Average each image's discriminator features with those of its mirror image (left to right), for training and test images alike; raw pixels are unchanged." };

    public static Option<long> Seed() =>
        new("--seed") { Description = "Random seed (weights, shuffling, noise, label subsets).", DefaultValueFactory = _ => new TrainingOptions().Seed };

    public static Option<int> ImageSize() => Positive(new Option<int>("--image-size") { Description = "Model image size: 32 or 64.", DefaultValueFactory = _ => new DcganConfig().ImageSize });

    public static Option<int> Channels() => Positive(new Option<int>("--channels") { Description = "Model channels: 1 (grayscale) or 3 (RGB).", DefaultValueFactory = _ => new DcganConfig().Channels });

    public static Option<string> Classifier() => OptionParsers.OneOf(new Option<string>("--classifier")
    {
        Description = "The linear classifier on the standardised features, its L2 strength chosen on a validation part of the labelled images: "
            + "linear-svm (multiclass SVM, hinge loss, trained with SDCA; the paper's L2-SVM), sdca-maxent (multinomial logistic regression trained with SDCA) "
            + "or lbfgs-maxent (multinomial logistic regression trained with L-BFGS).",
        DefaultValueFactory = _ => "linear-svm",
    }, "linear-svm", "sdca-maxent", "lbfgs-maxent");

    public static Option<BatchNormSource> BatchNormStats() => OptionParsers.KebabCase(new Option<BatchNormSource>("--bn-stats")
    {
        Description = "BatchNorm statistics in the exported model: running (training averages) or recompute (averages over training batches).",
        DefaultValueFactory = _ => new RunExportOptions().BatchNormStatistics,
    });

    public static Option<int> BatchNormBatches() =>
        Positive(new Option<int>("--bn-batches") { Description = "Training batches averaged by --bn-stats recompute.", DefaultValueFactory = _ => new RunExportOptions().BatchNormBatches });

    /// <summary>Parses the option as a whole number that rejects zero and negative values, naming the option.</summary>
    public static Option<int> Positive(Option<int> option)
    {
        option.CustomParser = result => OptionParsers.Integer(result, option.Name, positive: true);
        return option;
    }

    /// <summary>Loads the dataset the options name, warnings to the console.</summary>
    public static DatasetSplits LoadData(string data, DatasetFormat format, bool skipCorrupt, int imageSize, int channels, long seed) =>
        DatasetLoader.Load(data, LoadOptions(format, skipCorrupt, imageSize, channels, seed));

    /// <summary>How the dataset options read a dataset, warnings to the console.</summary>
    public static DatasetLoadOptions LoadOptions(DatasetFormat format, bool skipCorrupt, int imageSize, int channels, long seed) => new()
    {
        Format = format,
        ImageSize = imageSize,
        Channels = channels,
        OnCorruptImage = skipCorrupt ? CorruptImagePolicy.SkipWithWarning : CorruptImagePolicy.Fail,
        Warn = Warn,
        BuiltinSeed = (int)(seed & 0x7FFFFFFF),
    };

    /// <summary>Writes a one-line warning to standard error.</summary>
    public static void Warn(string message) => Console.Error.WriteLine($"warning: {message}");
}
