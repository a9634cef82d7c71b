namespace MlnetGan.Data;

/// <summary>
/// An <see cref="IProgress{T}"/> that calls its action on the reporting thread, in order (<see cref="Progress{T}"/>
/// posts to the thread pool, so its reports may arrive late or out of order).
/// </summary>
public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    /// <inheritdoc />
    public void Report(T value) => report(value);
}
