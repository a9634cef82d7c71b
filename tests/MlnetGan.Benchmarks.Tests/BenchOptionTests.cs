using MlnetGan.Tests;

namespace MlnetGan.Benchmarks.Tests;

/// <summary>The benchmarks' own options refuse bad values as the CLI's do: one <c>error:</c> line, exit code 1.</summary>
public class BenchOptionTests
{
    [Theory]
    [InlineData("fp16", "error: --precisions: 'fp16' is not fp32 or bf16")]
    [InlineData("fp32,bf32", "error: --precisions: 'bf32' is not fp32 or bf16")]
    public void UnknownPrecisionIsOneErrorLine(string precisions, string expected)
    {
        var result = ChildProcess.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "mlnetgan-bench.dll"), "train", "--precisions", precisions, "--steps", "2"], TimeSpan.FromMinutes(2));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(expected, result.Error.Trim());
        Assert.DoesNotContain("   at ", result.All);
    }
}
