namespace MlnetGan.Gan;

/// <summary>A run folder or checkpoint is missing, corrupt or does not fit; the message names the file and the problem.</summary>
public sealed class RunException : Exception
{
    /// <summary>A problem with <paramref name="path"/>; the message is <c>path: problem</c>.</summary>
    /// <param name="path">The file or folder at fault.</param>
    /// <param name="problem">What is wrong with it.</param>
    /// <param name="inner">The exception that revealed it, if any.</param>
    public RunException(string path, string problem, Exception? inner = null) : base($"{path}: {problem}", inner) => Path = path;

    /// <summary>The file or folder at fault.</summary>
    public string Path { get; }
}

/// <summary>Training produced a non-finite loss and stopped; the last good checkpoint is kept.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
