using System.CommandLine;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.ML;
using MlnetGan.Workflows;

namespace MlnetGan.Cli;

/// <summary>
/// The options that set the libraries' settings: an error that names a setting by its property name
/// (<see cref="ISettingError"/>) reaches the user naming the option of the command that failed.
/// </summary>
internal static class SettingOptions
{
    /// <summary>Per setting, the options that set it, in order of preference: a command takes the first one it has.</summary>
    private static readonly Dictionary<string, string[]> Options = new(StringComparer.Ordinal)
    {
        // export reads the run named by --run (its --out is the model file); train, paper and demo write the run to --out.
        [RunFolder.SettingName] = ["--run", "--out"],
        [TorchDevice.SettingName] = ["--device"],
        [nameof(LinearProbeOptions.LabelsPerClass)] = ["--labels-per-class"],
        [DcganTrainer.ResumeSetting] = ["--resume"],
        [nameof(RunStartOptions.DataPath)] = ["--data"],
        [nameof(RunStartOptions.AllowDifferentData)] = ["--allow-different-data"],
        [nameof(TrainRequest.Data)] = ["--data"],
        [nameof(TrainRequest.Format)] = ["--format"],
        [nameof(DcganConfig.ImageSize)] = ["--image-size"],
        [nameof(DcganConfig.Channels)] = ["--channels"],
        [nameof(DcganConfig.Nz)] = ["--nz"],
        [nameof(DcganConfig.Ngf)] = ["--ngf"],
        [nameof(DcganConfig.Ndf)] = ["--ndf"],
        [nameof(TrainingOptions.Mode)] = ["--mode"],
        [nameof(TrainingOptions.Epochs)] = ["--epochs"],
        [nameof(TrainingOptions.LearningRate)] = ["--lr"],
        [nameof(TrainingOptions.Precision)] = ["--precision"],
        [nameof(TrainingOptions.BatchSize)] = ["--batch-size"],
        [nameof(TrainingOptions.LearningRateDecayEpochs)] = ["--lr-decay-epochs"],
        [nameof(TrainingOptions.RealLabel)] = ["--real-label"],
        [nameof(TrainingOptions.DiscriminatorInputNoise)] = ["--d-input-noise"],
        [nameof(TrainingOptions.DiscriminatorDropout)] = ["--d-dropout"],
        [nameof(FeaturizeRequest.Output)] = ["--out"],
        [nameof(FeaturizeRequest.Force)] = ["--force"],
        [FeatureShard.SettingName] = ["--shard"],
        [nameof(GatherRequest.Input)] = ["--in"],
    };

    /// <summary>The message of <paramref name="error"/> as the user of <paramref name="command"/> reads it.</summary>
    public static string Message(Exception error, Command command) =>
        error is ISettingError setting ? setting.MessageNaming(name => OptionOf(name, command)) : error.Message;

    /// <summary>The settings that the options named on <paramref name="parse"/>'s command line set (an option left at its default sets none).</summary>
    public static IReadOnlySet<string> SettingsGiven(ParseResult parse) =>
        Options.Where(setting => setting.Value.Any(name => parse.CommandResult.Command.Options.FirstOrDefault(o => o.Name == name) is { } option && parse.GetResult(option) is { Implicit: false }))
            .Select(setting => setting.Key).ToHashSet(StringComparer.Ordinal);

    /// <summary>The option of <paramref name="command"/> that sets <paramref name="setting"/>; the setting's own name where none does.</summary>
    public static string OptionOf(string setting, Command command) =>
        Options.TryGetValue(setting, out var names) && names.FirstOrDefault(name => command.Options.Any(o => o.Name == name)) is { } option ? option : setting;
}
