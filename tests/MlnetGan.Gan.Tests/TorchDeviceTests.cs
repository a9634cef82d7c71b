using MlnetGan.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MlnetGan.Gan.Tests;

public class TorchDeviceTests
{
    [Theory]
    [InlineData("cpu")]
    [InlineData("CPU")]
    public void CpuIsCpu(string spec) => Assert.Equal(DeviceType.CPU, TorchDevice.Resolve(spec).type);

    [Fact]
    public void AutoTakesCudaOnlyWhenAvailable() =>
        Assert.Equal(cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU, TorchDevice.Resolve("auto").type);

    [SkippableFact]
    public void UnavailableCudaIsAClearErrorUnlessFallbackIsAllowed()
    {
        Skip.If(cuda.is_available(), "CUDA is available: this check is about machines without it, such as CI");
        var error = Assert.Throws<InvalidSettingException>(() => TorchDevice.Resolve("cuda:0"));
        Assert.Contains("device 'cuda:0' was requested", error.Message);
        Assert.EndsWith("use Device cpu or allow the CPU fall back", error.Message);
        Assert.EndsWith("use --device cpu or allow the CPU fall back", error.MessageNaming(name => name == TorchDevice.SettingName ? "--device" : name));
        Assert.Contains("MlnetGanAccelerator=cuda", error.Message);

        var logged = new List<string>();
        Assert.Equal(DeviceType.CPU, TorchDevice.Resolve("cuda", allowCpuFallback: true, logged.Add).type);
        Assert.Contains("falling back to the CPU", Assert.Single(logged));
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:x")]
    public void InvalidSpecIsNamed(string spec) =>
        Assert.Contains($"device '{spec}' is not valid", Assert.Throws<ArgumentException>(() => TorchDevice.Resolve(spec)).Message);
}
