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
        var mode = OptionParsers.KebabCase(new Option<DiscriminatorMode>("--mode") { Description = "dcgan (unsupervised), semi-supervised (K-class discriminator, Salimans et al. 2016) or supervised (the same K-class discriminator on the labelled subset alone: the baseline).", DefaultValueFactory = _ => defaults.Mode });
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
            var trainingMode = parse.GetValue(mode);
            var request = new TrainRequest
            {
                Run = run, Data = parse.GetValue(data)!, Format = parse.GetValue(format), SkipCorruptImages = parse.GetValue(skipCorrupt),
                Model = new DcganConfig { ImageSize = parse.GetValue(imageSize), Channels = parse.GetValue(channels), Nz = parse.GetValue(nz), Ngf = parse.GetValue(ngf), Ndf = parse.GetValue(ndf) },
                Training = new TrainingOptions
                {
                    Mode = trainingMode, Epochs = parse.GetValue(epochs), BatchSize = parse.GetValue(batchSize), LearningRate = parse.GetValue(learningRate),
                    LearningRateDecayEpochs = parse.GetValue(learningRateDecay), Seed = parse.GetValue(seed), CheckpointEvery = parse.GetValue(checkpointEvery),
                    LabelsPerClass = trainingMode == DiscriminatorMode.Dcgan ? 0 : parse.GetValue(labelsPerClass),
                    GeneratorLoss = parse.GetValue(generatorLoss) == "non-saturating" ? GeneratorLossKind.NonSaturating : GeneratorLossKind.FeatureMatching,
                    DiscriminatorInputNoise = parse.GetValue(inputNoise), DiscriminatorDropout = parse.GetValue(dropout),
                    RealLabel = parse.GetValue(realLabel), Precision = parse.GetValue(precision),
                },
                // Resume takes the run's own settings for every option not named on the command line.
                Resume = parse.GetValue(resume), ResumeOverrides = SettingOptions.SettingsGiven(parse), AllowDifferentData = parse.GetValue(allowDifferentData),
                Device = TorchDevice.Resolve(parse.GetValue(device)!, parse.GetValue(fallback), m => AnsiConsole.MarkupLineInterpolated($"[yellow]{m}[/]")),
                Export = !parse.GetValue(noExport), BatchNormStatistics = parse.GetValue(bnStats), BatchNormBatches = parse.GetValue(bnBatches),
                Warning = SharedOptions.Warn,
            };
            var outcome = await Task.Run(() => TrainWorkflow.Run(ConsoleProgress.Workflow, request, cancellation), CancellationToken.None);
            var result = outcome.Training;
            if (result.Interrupted)
            {
                if (result.LatestCheckpoint is null)
                    AnsiConsole.MarkupLineInterpolated($"[yellow]Interrupted before the first step; nothing was saved. Run the same command with --resume to start it again from step 0.[/]");
                else
                    AnsiConsole.MarkupLineInterpolated($"[yellow]Interrupted at step {result.Step}/{result.TotalSteps}; checkpoint {result.LatestCheckpoint}. Run the same command with --resume to continue.[/]");
                return CliApp.InterruptedExitCode;
            }
            AnsiConsole.MarkupLineInterpolated($"Done: {result.Step} steps in {result.Elapsed:hh\\:mm\\:ss}, {result.ImagesPerSecond:F0} images/s. Samples in {run.SamplesPath}");
            if (outcome.TestAccuracy is { } accuracy)
                AnsiConsole.MarkupLineInterpolated($"Test accuracy of the discriminator as a classifier: {accuracy.Accuracy:P2} on {accuracy.TestImages} held-out images (written to {run.TestAccuracyPath})");
            if (outcome.ExportedModel is { } onnx)
                AnsiConsole.MarkupLineInterpolated($"Exported the discriminator to {onnx}");
            return 0;
        });
        return command;
    }
}
