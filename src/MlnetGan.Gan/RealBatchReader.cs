using MlnetGan.Data;
using static TorchSharp.torch;

namespace MlnetGan.Gan;

/// <summary>
/// The real batches of a training epoch, read from the dataset (in memory or packed on disk) in the epoch's shuffled order.
/// While a step runs, the next step's images are read on a worker thread, so a packed dataset's reads overlap the arithmetic.
/// Memory holds two batches of bytes, whatever the dataset's size.
/// </summary>
internal sealed class RealBatchReader(ImageDataset dataset, int batchSize) : IDisposable
{
    private long[]? order;
    private long pendingStep = -1;
    private Task<byte[]>? pending;

    /// <summary>Starts an epoch whose images are visited in <paramref name="permutation"/>'s order.</summary>
    public void StartEpoch(long[] permutation)
    {
        Dispose();
        order = permutation;
    }

    /// <summary>Waits for a read still under way (its result is no longer wanted).</summary>
    public void Dispose()
    {
        try { pending?.Wait(); }
        catch (AggregateException) { } // a read of a step that never comes; the step that needs the images reads them again
        pending = null;
        pendingStep = -1;
    }

    /// <summary>
    /// The bytes [batch, C, H, W] of step <paramref name="stepInEpoch"/> (images permutation[step x batch ..]) on
    /// <paramref name="device"/>, and starts reading the step after it.
    /// </summary>
    public Tensor Take(long stepInEpoch, Device device)
    {
        var permutation = order ?? throw new InvalidOperationException("call StartEpoch first");
        byte[] bytes;
        if (pending is not null && pendingStep == stepInEpoch) bytes = pending.GetAwaiter().GetResult();
        else
        {
            Dispose(); // a read of another step is no longer wanted
            bytes = Read(permutation, stepInEpoch);
        }
        long next = stepInEpoch + 1;
        if ((next + 1) * batchSize <= permutation.Length)
        {
            pendingStep = next;
            pending = Task.Run(() => Read(permutation, next));
        }
        else
        {
            pending = null;
            pendingStep = -1;
        }
        return TensorImages.MoveTo(tensor(bytes, [batchSize, dataset.Channels, dataset.Height, dataset.Width], ScalarType.Byte), device);
    }

    private byte[] Read(long[] permutation, long stepInEpoch)
    {
        var bytes = new byte[checked(batchSize * dataset.ImageLength)];
        dataset.CopyImages(permutation.AsSpan(checked((int)(stepInEpoch * batchSize)), batchSize), bytes);
        return bytes;
    }
}
