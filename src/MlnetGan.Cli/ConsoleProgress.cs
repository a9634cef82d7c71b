using MlnetGan.Data;
using MlnetGan.Workflows;
using Spectre.Console;

namespace MlnetGan.Cli;

/// <summary>Runs long work under a Spectre.Console progress bar (rate and ETA), or plain lines when output is redirected.</summary>
internal static class ConsoleProgress
{
    /// <summary>The console as a workflow's progress: each stage under its own progress bar, notices as lines.</summary>
    public static IWorkflowProgress Workflow { get; } = new WorkflowConsole();

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

    private sealed class WorkflowConsole : IWorkflowProgress
    {
        public void Stage(string title, Action<IProgress<StageProgress>> work) =>
            Run(title, report => work(new SynchronousProgress<StageProgress>(p => report(p.Done, p.Total, p.Status))));

        public void Notice(string message) => AnsiConsole.MarkupLineInterpolated($"{message}");
    }
}
