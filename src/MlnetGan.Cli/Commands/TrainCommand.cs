using System.CommandLine;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.Onnx;
using MlnetGan.Workflows;
using Spectre.Console;

namespace MlnetGan.Cli.Commands;

/// <summary><c>mlnetgan train</c>: trains a DCGAN on unlabeled images into a run folder.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var defaultModel = new DcganConfig();
        var defaults = new TrainingOptions();
        var data = SharedOptions.Data();
        var format = SharedOptions.Format();
        var skipCorrupt = SharedOptions.SkipCorrupt();
        var output = new Option<string>("--out") { Description = "Run folder (config, metrics.csv, checkpoints, samples).", Required = true };
        var imageSize = SharedOptions.ImageSize();
        var channels = SharedOptions.Channels();
        var nz = SharedOptions.Positive(new Option<int>("--nz") { Description = "Latent vector length.", DefaultValueFactory = _ => defaultModel.Nz });
        var ngf = SharedOptions.Positive(new Option<int>("--ngf") { Description = "Generator width.", DefaultValueFactory = _ => defaultModel.Ngf });
        var ndf = SharedOptions.Positive(new Option<int>("--ndf") { Description = "Discriminator width.", DefaultValueFactory = _ => defaultModel.Ndf });
        var batchSize = SharedOptions.Positive(new Option<int>("--batch-size") { Description = "Images per step.", DefaultValueFactory = _ => defaults.BatchSize });
        var epochs = SharedOptions.Positive(new Option<int>("--epochs") { Description = "Passes over the training images.", DefaultValueFactory = _ => defaults.Epochs });
        var learningRate = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => defaults.LearningRate };
        var learningRateDecay = new Option<int>("--lr-decay-epochs") { Description = "Lower the learning rate linearly to zero over the last this many epochs (0: constant; Salimans et al. decay over the last third).", DefaultValueFactory = _ => defaults.LearningRateDecayEpochs };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Steps between checkpoints (0: each epoch only).", DefaultValueFactory = _ => defaults.CheckpointEvery };
        var seed = SharedOptions.Seed();
        var device = SharedOptions.Device();
        var fallback = SharedOptions.AllowCpuFallback();
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its latest intact checkpoint, exactly where it stopped, with the run's own dataset, model and settings (--epochs, --lr and --lr-decay-epochs may change them)." };
        var allowDifferentData = new Option<bool>("--allow-different-data") { Description = "With --resume: continue the run on a --data other than the one it was trained on (refused otherwise)." };
        var mode = new Option<string>("--mode") { Description = "dcgan (unsupervised), semi-supervised (K-class discriminator, Salimans et al. 2016) or supervised (the same K-class discriminator on the labelled subset alone: the baseline).", DefaultValueFactory = _ => "dcgan" };
        OptionParsers.OneOf(mode, "dcgan", "semi-supervised", "supervised");
        var labelsPerClass = new Option<int>("--labels-per-class") { Description = "Semi-supervised and supervised: labelled images per class (chosen from the seed; the rest are used unlabelled).", DefaultValueFactory = _ => 100 };
        var generatorLoss = new Option<string>("--generator-loss") { Description = "Semi-supervised: feature-matching or non-saturating.", DefaultValueFactory = _ => "feature-matching" };
        OptionParsers.OneOf(generatorLoss, "feature-matching", "non-saturating");
        var inputNoise = new Option<double>("--d-input-noise") { Description = "Standard deviation of Gaussian noise added to the discriminator's input in training (Salimans et al.'s regularisation; 0: off).", DefaultValueFactory = _ => defaults.DiscriminatorInputNoise };
        var dropout = new Option<double>("--d-dropout") { Description = "Dropout rate after each discriminator block in training (0: off).", DefaultValueFactory = _ => defaults.DiscriminatorDropout };
        var precision = SharedOptions.Precision();
        var realLabel = new Option<double>("--real-label") { Description = "DCGAN: the discriminator's target for real images (1: the paper's; 0.9: one-sided label smoothing).", DefaultValueFactory = _ => defaults.RealLabel };
        var noExport = new Option<bool>("--no-export") { Description = $"Do not export the discriminator to <out>/{RunFolder.DiscriminatorFileName} at the end." };
        var bnStats = SharedOptions.BatchNormStats();
        var bnBatches = SharedOptions.BatchNormBatches();

        var command = new Command("train", "Train a DCGAN on unlabeled images (labels are ignored), or a semi-supervised GAN with a few labels per class.")
        {
            data, format, skipCorrupt, output, imageSize, channels, nz, ngf, ndf, batchSize, epochs, learningRate, learningRateDecay, checkpointEvery, seed, device, fallback, resume, allowDifferentData, mode, labelsPerClass, generatorLoss, inputNoise, dropout, realLabel, precision, noExport, bnStats, bnBatches,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var run = new RunFolder(parse.GetRequiredValue(output));
            bool isResume = parse.GetValue(resume);
            // Resume takes the run's own settings (model, mode, dataset, hyper-parameters) for every option not named on the command line.
            var saved = isResume && run.Exists ? run.ReadConfig() : null;
            var modeName = saved is not null && !IsGiven(parse, mode) ? saved.Mode : parse.GetValue(mode)!;
            if (saved is not null && saved.Mode != modeName)
                throw new ArgumentException($"--resume: {run.Root} is a {saved.Mode} run; pass --mode {saved.Mode} to resume it (or leave --mode out)");
            bool classifies = modeName != "dcgan";
            var options = new TrainingOptions
            {
                Epochs = parse.GetValue(epochs), BatchSize = parse.GetValue(batchSize), LearningRate = parse.GetValue(learningRate),
                LearningRateDecayEpochs = parse.GetValue(learningRateDecay), Seed = parse.GetValue(seed), CheckpointEvery = parse.GetValue(checkpointEvery),
                LabelsPerClass = classifies ? parse.GetValue(labelsPerClass) : 0,
                SupervisedOnly = modeName == "supervised",
                GeneratorLoss = parse.GetValue(generatorLoss) == "non-saturating" ? GeneratorLossKind.NonSaturating : GeneratorLossKind.FeatureMatching,
                DiscriminatorInputNoise = parse.GetValue(inputNoise), DiscriminatorDropout = parse.GetValue(dropout),
                RealLabel = parse.GetValue(realLabel), Precision = parse.GetValue(precision),
            }.Validate();
            if (saved is not null)
            {
                // --epochs extends the run, an explicit --lr (after a divergence) or --lr-decay-epochs replaces the saved one.
                options = saved.Training with
                {
                    Epochs = IsGiven(parse, epochs) ? options.Epochs : saved.Training.Epochs,
                    LearningRate = IsGiven(parse, learningRate) ? options.LearningRate : saved.Training.LearningRate,
                    LearningRateDecayEpochs = IsGiven(parse, learningRateDecay) ? options.LearningRateDecayEpochs : saved.Training.LearningRateDecayEpochs,
                    Precision = IsGiven(parse, precision) ? options.Precision : saved.Training.Precision,
                };
            }
            int ModelOption(Option<int> option, Func<DcganConfig, int> savedValue) => saved is not null && !IsGiven(parse, option) ? savedValue(saved.Model) : parse.GetValue(option);
            int modelImageSize = ModelOption(imageSize, m => m.ImageSize), modelChannels = ModelOption(channels, m => m.Channels);

            var dataArgument = saved is not null && !IsGiven(parse, data) ? saved.Dataset.DataPath ?? saved.Dataset.Source : parse.GetValue(data)!;
            var dataFormat = saved is not null && !IsGiven(parse, format) && Enum.TryParse<DatasetFormat>(saved.Dataset.Format, out var savedFormat) ? savedFormat : parse.GetValue(format);
            if (dataFormat == DatasetFormat.Auto) dataFormat = DatasetLoader.Detect(dataArgument);
            var torchDevice = TorchDevice.Resolve(parse.GetValue(device)!, parse.GetValue(fallback), m => AnsiConsole.MarkupLineInterpolated($"[yellow]{m}[/]"));
            var askedPrecision = options.Precision;
            options = options with { Precision = TrainingPrecisions.Resolve(askedPrecision, torchDevice) };
            var splits = SharedOptions.LoadData(dataArgument, dataFormat, parse.GetValue(skipCorrupt), modelImageSize, modelChannels, options.Seed);
            var model = new DcganConfig
            {
                ImageSize = modelImageSize, Channels = modelChannels,
                Nz = ModelOption(nz, m => m.Nz), Ngf = ModelOption(ngf, m => m.Ngf), Ndf = ModelOption(ndf, m => m.Ndf),
                NumClasses = classifies ? splits.Train.ClassNames.Count : 0,
            }.Validate();
            if (saved is not null && saved.Model != model)
                throw new ArgumentException($"--resume: {run.Root} was trained as {CheckpointStore.Describe(saved.Model)}, not {CheckpointStore.Describe(model)}; leave out the model options that differ to resume it");
            var start = new RunStartOptions
            {
                DataPath = dataFormat == DatasetFormat.Builtin ? BuiltinShapes.Name : Path.GetFullPath(dataArgument),
                DataFormat = dataFormat.ToString(),
                AllowDifferentData = parse.GetValue(allowDifferentData),
                Notice = m => Console.Error.WriteLine($"warning: {m}"),
            };
            // The run folder is this process's until the command ends (training, test accuracy and export).
            using var runLock = RunLock.Acquire(run);
            AnsiConsole.MarkupLineInterpolated($"Training a {modeName switch { "dcgan" => "DCGAN", "supervised" => $"supervised-only discriminator on {options.LabelsPerClass} labels per class", _ => $"semi-supervised GAN with {options.LabelsPerClass} labels per class" }} ({CheckpointStore.Describe(model)}) on {splits.Train.Count} images from {splits.Train.Source} on {torchDevice} in {TrainingStage.DescribePrecision(options.Precision, askedPrecision, torchDevice)}, into {run.Root}");

            var result = await Task.Run(() => TrainingStage.Run(ConsoleProgress.Workflow, run, splits.Train, model, options, torchDevice, isResume, cancellation, start: start), CancellationToken.None);
            if (result.Interrupted)
            {
                if (result.LatestCheckpoint is null)
                    AnsiConsole.MarkupLineInterpolated($"[yellow]Interrupted before the first step; nothing was saved. Run the same command with --resume to start it again from step 0.[/]");
                else
                    AnsiConsole.MarkupLineInterpolated($"[yellow]Interrupted at step {result.Step}/{result.TotalSteps}; checkpoint {result.LatestCheckpoint}. Run the same command with --resume to continue.[/]");
                return CliApp.InterruptedExitCode;
            }
            AnsiConsole.MarkupLineInterpolated($"Done: {result.Step} steps in {result.Elapsed:hh\\:mm\\:ss}, {result.ImagesPerSecond:F0} images/s. Samples in {run.SamplesPath}");
            if (classifies && splits.Test is { } test && test.Labels.Any(l => l != ImageDataset.Unlabeled))
            {
                var batchNorm = parse.GetValue(bnStats) == BatchNormSource.Recompute ? new BatchNormRecomputation(splits.Train, parse.GetValue(bnBatches)) : null;
                var accuracy = DiscriminatorClassifier.MeasureRun(run, test, torchDevice, batchNorm);
                AnsiConsole.MarkupLineInterpolated($"Test accuracy of the discriminator as a classifier: {accuracy.Accuracy:P2} on {accuracy.TestImages} held-out images (written to {run.TestAccuracyPath})");
            }
            if (!parse.GetValue(noExport))
            {
                var onnx = run.DiscriminatorPath;
                RunExport.Export(run, onnx, new RunExportOptions
                {
                    BatchNormStatistics = parse.GetValue(bnStats), BatchNormBatches = parse.GetValue(bnBatches), Images = splits.Train, Device = torchDevice,
                });
                AnsiConsole.MarkupLineInterpolated($"Exported the discriminator to {onnx}");
            }
            return 0;
        });
        return command;
    }

    /// <summary>Whether the command line names <paramref name="option"/> (an option left at its default has an implicit result).</summary>
    private static bool IsGiven(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };
}
