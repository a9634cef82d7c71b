namespace MlnetGan.ML.Tests;

public class OnnxDeviceTests
{
    [Theory]
    [InlineData("cpu", null, false, false)]
    [InlineData("auto", 0, true, false)]
    [InlineData("cuda", 0, false, false)]
    [InlineData("cuda", 0, true, true)]
    [InlineData("CUDA:2", 2, false, false)]
    public void ParsesTheCliSpellings(string spec, int? gpu, bool fallback, bool allowFallback) =>
        Assert.Equal(new OnnxDevice(gpu, fallback), OnnxDevice.Parse(spec, allowFallback));

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:one")]
    public void RejectsOthersByName(string spec) =>
        Assert.Contains($"device '{spec}' is not valid", Assert.Throws<ArgumentException>(() => OnnxDevice.Parse(spec)).Message);
}
