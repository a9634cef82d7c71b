using MlnetGan.Data;

namespace MlnetGan.Gan;

/// <summary>
/// A run folder or checkpoint is missing, corrupt or does not fit; the message names the file and the problem, and a
/// problem that a setting can fix names the setting by its property name (see <see cref="ISettingError"/>).
/// </summary>
public sealed class RunException : Exception, ISettingError
{
    private readonly Func<Func<string, string>, string> problem;

    /// <summary>The file or folder <paramref name="path"/> has <paramref name="problem"/>; the message is <c>path: problem</c>.</summary>
    /// <param name="path">The file or folder at fault.</param>
    /// <param name="problem">What is wrong with it.</param>
    /// <param name="inner">The exception that revealed it, if any.</param>
    public RunException(string path, string problem, Exception? inner = null) : this(path, _ => problem, inner)
    {
    }

    /// <summary>The file or folder <paramref name="path"/> has a problem that names settings (given how to name a setting from its property name).</summary>
    /// <param name="path">The file or folder at fault.</param>
    /// <param name="problem">What is wrong with it, given a function that names a setting from its property name.</param>
    /// <param name="inner">The exception that revealed it, if any.</param>
    public RunException(string path, Func<Func<string, string>, string> problem, Exception? inner = null)
        : base($"{path}: {problem(InvalidSettingException.PropertyName)}", inner)
    {
        Path = path;
        this.problem = problem;
    }

    /// <summary>The file or folder at fault.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public string MessageNaming(Func<string, string> nameOf) => $"{Path}: {problem(nameOf)}";
}

/// <summary>Training produced a non-finite loss and stopped; the last good checkpoint is kept.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
