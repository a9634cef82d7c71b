namespace MlnetGan.Gan;

/// <summary>Counts the floating-point operations of the DCGAN convolutions (2 per multiply-add), for benchmarks.</summary>
public static class ConvolutionFlops
{
    /// <summary>FLOPs of one discriminator forward pass over <paramref name="batch"/> images.</summary>
    public static double DiscriminatorForward(DcganConfig c, long batch)
    {
        double flops = 0;
        long inChannels = c.Channels;
        for (int b = 0; b < c.BlockCount; b++)
        {
            long side = c.DiscriminatorSide(b);
            flops += 2.0 * batch * c.DiscriminatorWidth(b) * side * side * inChannels * 16;
            inChannels = c.DiscriminatorWidth(b);
        }
        return flops + 2.0 * batch * c.HeadOutputs * inChannels * 16; // head: 4x4 valid conv to 1x1
    }

    /// <summary>FLOPs of one generator forward pass (a transposed conv costs 2 x input elements x Cout x k x k).</summary>
    public static double GeneratorForward(DcganConfig c, long batch)
    {
        long width = c.Ngf << (c.BlockCount - 1);
        double flops = 2.0 * batch * c.Nz * width * 16; // 1x1 input
        long side = 4;
        for (int b = 1; b < c.BlockCount; b++)
        {
            flops += 2.0 * batch * width * side * side * (width / 2) * 16;
            width /= 2;
            side *= 2;
        }
        return flops + 2.0 * batch * width * side * side * c.Channels * 16;
    }

    /// <summary>
    /// FLOPs of one DCGAN training step: three D forwards (real, fake for D, fake for G) and one G forward, with the
    /// usual estimate that forward + backward costs three forwards.
    /// </summary>
    public static double TrainingStep(DcganConfig c, long batch) => 3 * (3 * DiscriminatorForward(c, batch) + GeneratorForward(c, batch));
}
