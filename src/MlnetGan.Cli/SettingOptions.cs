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
        [PaperExperiment.DataPathSetting] = ["--data"],
        [DcganTrainer.ResumeSetting] = ["--resume"],
        [nameof(RunStartOptions.AllowDifferentData)] = ["--allow-different-data"],
        [nameof(TrainingOptions.BatchSize)] = ["--batch-size"],
        [nameof(TrainingOptions.LearningRateDecayEpochs)] = ["--lr-decay-epochs"],
        [nameof(TrainingOptions.RealLabel)] = ["--real-label"],
        [nameof(TrainingOptions.DiscriminatorInputNoise)] = ["--d-input-noise"],
        [nameof(TrainingOptions.DiscriminatorDropout)] = ["--d-dropout"],
    };

    /// <summary>The message of <paramref name="error"/> as the user of <paramref name="command"/> reads it.</summary>
    public static string Message(Exception error, Command command) =>
        error is ISettingError setting ? setting.MessageNaming(name => OptionOf(name, command)) : error.Message;

    /// <summary>The option of <paramref name="command"/> that sets <paramref name="setting"/>; the setting's own name where none does.</summary>
    public static string OptionOf(string setting, Command command) =>
        Options.TryGetValue(setting, out var names) && names.FirstOrDefault(name => command.Options.Any(o => o.Name == name)) is { } option ? option : setting;
}
