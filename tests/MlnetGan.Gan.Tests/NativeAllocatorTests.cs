namespace MlnetGan.Gan.Tests;

public class NativeAllocatorTests
{
    [SkippableFact]
    public void GlibcAcceptsEverySettingOnceAndKeepsTheFirstOutcome()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "glibc's malloc settings apply on Linux only");
        var userSetting = NativeAllocator.UserSetting(Environment.GetEnvironmentVariable);
        var outcome = NativeAllocator.TuneForTraining();
        if (userSetting is not null)
        {
            Assert.Equal($"left as the environment sets it ({userSetting})", outcome);
            return;
        }
        Assert.Matches(@"^glibc \d+\.\d+: mmap threshold 32 MiB, trim threshold 256 MiB, one arena$", outcome);
        Assert.Same(outcome, NativeAllocator.TuneForTraining());
    }

    [Fact]
    public void AnyMallocVariableInTheEnvironmentLeavesGlibcAsTheUserSetIt()
    {
        var none = new Dictionary<string, string>();
        Assert.Null(NativeAllocator.UserSetting(none.GetValueOrDefault));
        Assert.Null(NativeAllocator.UserSetting(new Dictionary<string, string> { ["MALLOC_CHECK"] = "1" }.GetValueOrDefault));
        Assert.Equal("MALLOC_ARENA_MAX", NativeAllocator.UserSetting(new Dictionary<string, string> { ["MALLOC_ARENA_MAX"] = "4" }.GetValueOrDefault));
        Assert.Equal("GLIBC_TUNABLES", NativeAllocator.UserSetting(new Dictionary<string, string> { ["GLIBC_TUNABLES"] = "" }.GetValueOrDefault));
    }
}
