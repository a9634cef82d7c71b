namespace MlnetGan.Data;

/// <summary>A dataset could not be read; the message names the file or folder and what is wrong.</summary>
public sealed class DatasetException : Exception
{
    /// <summary>A problem with <paramref name="path"/>; the message is <c>path: problem</c>.</summary>
    /// <param name="path">The file or folder at fault.</param>
    /// <param name="problem">What is wrong with it.</param>
    /// <param name="inner">The exception that revealed it, if any.</param>
    public DatasetException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
    }

    /// <summary>The file or folder at fault.</summary>
    public string Path { get; }
}
