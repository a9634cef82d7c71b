using System.Runtime;

namespace MlnetGan.Gan;

/// <summary>
/// Holds garbage collection off while it is open (<see cref="GC.TryStartNoGCRegion(long)"/>), for code that calls libtorch
/// through TorchSharp. TorchSharp 0.107 turns every number it passes to libtorch (a LeakyReLU slope, Adam's betas, the
/// alpha of each tensor addition) into a native Scalar that only the finalizer frees, and nothing keeps it alive while
/// libtorch reads it: a collection triggered by another thread (the batch reader, the progress display) during the call
/// lets the finalizer free it first, and the step fails ("Unknown scalar type", "toFloat ... Expected false to be true")
/// or reads freed memory. No collection can start while a pause is open unless other threads allocate more than
/// <see cref="Budget"/>; the collection then runs when it closes. Nested pauses are no-ops.
/// </summary>
public sealed class CollectionPause : IDisposable
{
    /// <summary>Bytes that may be allocated, by all threads together, while a pause is open.</summary>
    public const long Budget = 4L << 20;

    private readonly bool started;

    /// <summary>Opens a pause (when none is open).</summary>
    public CollectionPause()
    {
        if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) return;
        try { started = GC.TryStartNoGCRegion(Budget); }
        catch (InvalidOperationException) { started = false; } // another thread opened one meanwhile
    }

    /// <summary>Closes the pause; a collection held off may run now.</summary>
    public void Dispose()
    {
        if (started && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            try { GC.EndNoGCRegion(); }
            catch (InvalidOperationException) { } // the budget was exceeded and the region ended on its own
        }
    }
}
