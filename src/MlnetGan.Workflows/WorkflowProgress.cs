using MlnetGan.Data;

namespace MlnetGan.Workflows;

/// <summary>How far a stage of a workflow has come.</summary>
/// <param name="Done">Units done.</param>
/// <param name="Total">Units in all.</param>
/// <param name="Status">What the stage is doing, or empty.</param>
public readonly record struct StageProgress(long Done, long Total, string Status);

/// <summary>
/// Where a workflow reports: each long stage (featurizing, training, evaluating) runs inside <see cref="Stage"/>, which
/// may draw a progress bar around it, and <see cref="Notice"/> says what is about to happen. The command line draws
/// progress bars; a notebook prints lines (<see cref="WorkflowProgress"/>).
/// </summary>
public interface IWorkflowProgress
{
    /// <summary>Runs <paramref name="work"/>, the stage <paramref name="title"/>, which reports its progress as it goes.</summary>
    void Stage(string title, Action<IProgress<StageProgress>> work);

    /// <summary>Tells the user what the workflow is about to do.</summary>
    void Notice(string message);
}

/// <summary>Ready-made <see cref="IWorkflowProgress"/> for code that declares no types of its own, such as notebooks.</summary>
public static class WorkflowProgress
{
    /// <summary>Reports nothing.</summary>
    public static IWorkflowProgress Silent { get; } = new Lines(null);

    /// <summary>Writes every notice and every stage status that says something (not bare counts) as a line.</summary>
    public static IWorkflowProgress StatusLines(Action<string> writeLine) => new Lines(writeLine);

    private sealed class Lines(Action<string>? writeLine) : IWorkflowProgress
    {
        public void Stage(string title, Action<IProgress<StageProgress>> work) =>
            work(new SynchronousProgress<StageProgress>(p => { if (p.Status.Length > 0) writeLine?.Invoke(p.Status); }));

        public void Notice(string message) => writeLine?.Invoke(message);
    }
}
