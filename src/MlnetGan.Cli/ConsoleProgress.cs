using MlnetGan.Data;
using MlnetGan.Gan;
using Spectre.Console;
using static TorchSharp.torch;

namespace MlnetGan.Cli;

/// <summary>Runs long work under a Spectre.Console progress bar (rate and ETA), or plain lines when output is redirected.</summary>
internal static class ConsoleProgress
{
    /// <summary>
    /// Trains with a progress bar showing epoch, images/s, losses and the time remaining. With a
    /// <paramref name="timeBudget"/> the bar measures training time (<paramref name="spent"/> of it already used) instead of steps.
    /// </summary>
    public static TrainingResult Train(RunFolder run, ImageDataset dataset, DcganConfig model, TrainingOptions options, Device device, bool resume, CancellationToken cancellation,
        TimeSpan? timeBudget = null, TimeSpan spent = default, RunStartOptions? start = null)
    {
        TrainingResult? result = null;
        Run("training", (report) =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var progress = new SynchronousProgress<TrainingProgress>(p =>
            {
                var status = $"epoch {p.Epoch}/{(timeBudget is null ? p.Epochs.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-")} · {p.ImagesPerSecond:F0} img/s · D {p.LossD:F3} G {p.LossG:F3} · D(x) {p.DReal:F2} D(G(z)) {p.DFakeBeforeUpdate:F2}";
                if (timeBudget is { } budget) report((long)(spent + clock.Elapsed).TotalSeconds, (long)budget.TotalSeconds, status);
                else report(p.Step, p.TotalSteps, status);
            });
            result = DcganTrainer.Train(dataset, run, model, options, device, resume, progress, cancellation, start);
        });
        return result!;
    }

    /// <summary>Runs <paramref name="work"/>, which reports (done, total, status) as it goes.</summary>
    public static void Run(string title, Action<Action<long, long, string>> work)
    {
        if (Console.IsOutputRedirected)
        {
            var last = DateTime.MinValue;
            work((done, total, status) =>
            {
                if (DateTime.UtcNow - last < TimeSpan.FromSeconds(5) && done < total) return;
                last = DateTime.UtcNow;
                Console.WriteLine($"{title}: {done}/{total} {status}");
            });
            return;
        }
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var task = context.AddTask(title);
                work((done, total, status) =>
                {
                    task.MaxValue = Math.Max(total, 1);
                    task.Value = done;
                    task.Description = $"{title} {Markup.Escape(status)}";
                });
                task.StopTask();
            });
    }
}
