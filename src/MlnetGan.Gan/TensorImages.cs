using MlnetGan.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MlnetGan.Gan;

/// <summary>Converts between the byte images of <see cref="ImageDataset"/> and model tensors in <see cref="PixelRange.Model"/>, [-1, 1].</summary>
public static class TensorImages
{
    private static readonly PixelRange Range = PixelRange.Model;

    // Held for the process's life, as a native Scalar converted from a number can be finalized while a call reads it (NativeScalarLifetimeTests).
    private static readonly Scalar BytesPerUnit = Range.BytesPerUnit.ToScalar(), Min = Range.Min.ToScalar(), ByteMin = 0.ToScalar(), ByteMax = 255.ToScalar();

    /// <summary>Byte pixels (any integer or float dtype, 0..255) to float32 in [-1, 1]: x / 127.5 - 1.</summary>
    public static Tensor ToModelRange(Tensor bytes) => bytes.to_type(ScalarType.Float32).div_(BytesPerUnit).add_(Min);

    /// <summary>A float tensor [N, C, H, W] in [-1, 1] to planar bytes, image after image (values are clamped and rounded).</summary>
    public static byte[] ToBytes(Tensor images)
    {
        using var scope = NewDisposeScope();
        var bytes = images.detach().to(CPU).sub(Min).mul(BytesPerUnit).round().clamp(ByteMin, ByteMax).to_type(ScalarType.Byte).contiguous();
        return bytes.data<byte>().ToArray();
    }

    /// <summary><paramref name="tensor"/> itself when it already has <paramref name="type"/>, else a copy converted to it (differentiable).</summary>
    public static Tensor AsType(this Tensor tensor, ScalarType type) => tensor.dtype == type ? tensor : tensor.to_type(type);

    /// <summary>Moves <paramref name="tensor"/> to <paramref name="device"/>, disposing the original when a copy was made.</summary>
    public static Tensor MoveTo(Tensor tensor, Device device)
    {
        if (tensor.device_type == device.type && tensor.device_index == device.index) return tensor;
        var moved = tensor.to(device);
        tensor.Dispose();
        return moved;
    }

    /// <summary>The pixels of an in-memory dataset (or a small packed one) as a uint8 tensor [N, C, H, W] on <paramref name="device"/>.</summary>
    public static Tensor DatasetTensor(ImageDataset dataset, Device device) => Batch(dataset, 0, dataset.Count, device);

    /// <summary>Images <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> - 1 as a uint8 tensor [count, C, H, W] on <paramref name="device"/>.</summary>
    public static Tensor Batch(ImageDataset dataset, int start, int count, Device device) =>
        MoveTo(tensor(dataset.CopyPixels(start, count), [count, dataset.Channels, dataset.Height, dataset.Width], ScalarType.Byte), device);

    /// <summary>The images at <paramref name="indices"/>, in that order, as a uint8 tensor [n, C, H, W] on <paramref name="device"/>.</summary>
    public static Tensor Gather(ImageDataset dataset, ReadOnlySpan<long> indices, Device device)
    {
        var bytes = new byte[checked(indices.Length * dataset.ImageLength)];
        dataset.CopyImages(indices, bytes);
        return MoveTo(tensor(bytes, [indices.Length, dataset.Channels, dataset.Height, dataset.Width], ScalarType.Byte), device);
    }
}
