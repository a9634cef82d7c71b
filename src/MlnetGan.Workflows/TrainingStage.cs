using System.Diagnostics;
using System.Globalization;
using MlnetGan.Data;
using MlnetGan.Gan;
using static TorchSharp.torch;

namespace MlnetGan.Workflows;

/// <summary>Training as a workflow stage: the trainer inside a stage whose status shows epoch, images/s, losses and D's outputs.</summary>
public static class TrainingStage
{
    /// <summary>
    /// Trains (see <see cref="DcganTrainer.Train"/>) inside the stage "training". With a <paramref name="timeBudget"/> the
    /// stage counts training time (<paramref name="spent"/> of it already used) instead of steps.
    /// </summary>
    public static TrainingResult Run(IWorkflowProgress progress, RunFolder run, ImageDataset dataset, DcganConfig model, TrainingOptions options, Device device, bool resume,
        CancellationToken cancellation, TimeSpan? timeBudget = null, TimeSpan spent = default, RunStartOptions? start = null)
    {
        TrainingResult? result = null;
        progress.Stage("training", report =>
        {
            var clock = Stopwatch.StartNew();
            var training = new SynchronousProgress<TrainingProgress>(p =>
            {
                var status = $"epoch {p.Epoch}/{(timeBudget is null ? p.Epochs.ToString(CultureInfo.InvariantCulture) : "-")} · {p.ImagesPerSecond:F0} img/s · D {p.LossD:F3} G {p.LossG:F3} · D(x) {p.DReal:F2} D(G(z)) {p.DFakeBeforeUpdate:F2}";
                report.Report(timeBudget is { } budget
                    ? new StageProgress((long)(spent + clock.Elapsed).TotalSeconds, (long)budget.TotalSeconds, status)
                    : new StageProgress(p.Step, p.TotalSteps, status));
            });
            result = DcganTrainer.Train(dataset, run, model, options, device, resume, training, cancellation, start);
        });
        return result!;
    }

    /// <summary>The precision a run trained in, in words: "bf16" or "fp32", with the reason where <c>auto</c> chose it.</summary>
    public static string DescribePrecision(TrainingPrecision used, TrainingPrecision asked, Device device) =>
        asked == TrainingPrecision.Auto ? $"{Name(used)} (auto: {TrainingPrecisions.Bf16Support(device).Reason})" : Name(used);

    private static string Name(TrainingPrecision precision) => precision.ToString().ToLowerInvariant();
}
