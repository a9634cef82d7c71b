namespace MlnetGan.Data;

/// <summary>A dataset could not be read; the message names the file or folder and what is wrong.</summary>
public sealed class DatasetException : Exception
{
    public DatasetException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
    }

    /// <summary>The file or folder at fault.</summary>
    public string Path { get; }
}
