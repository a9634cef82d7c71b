using MlnetGan.Benchmarks.Fuzzing;

namespace MlnetGan.Benchmarks.Tests;

/// <summary>
/// Issue 15's fuzzing in CI: seeded mutants of every input format, each of which must be accepted or refused with the
/// format's documented exception, never another exception, a hang or a memory blow-up. <c>mlnetgan-bench fuzz</c> runs
/// the same fuzzer with 5,000+ cases per format (RELIABILITY.md).
/// </summary>
public class FuzzTests : IClassFixture<FuzzTests.Fuzzer>
{
    private readonly InputFuzzer fuzzer;

    public FuzzTests(Fuzzer fixture) => fuzzer = fixture.Instance;

    [Theory]
    [InlineData("cifar", 300)]
    [InlineData("idx", 300)]
    [InlineData("idx-gz", 300)]
    [InlineData("png", 300)]
    [InlineData("jpeg", 300)]
    [InlineData("onnx", 200)]
    [InlineData("pipeline", 60)]
    [InlineData("run-json", 300)]
    public void EveryMutantIsAcceptedOrRefusedWithTheDocumentedError(string format, int cases)
    {
        var report = fuzzer.Run(format, cases, seed: 15);

        Assert.Equal(cases, report.Outcomes.Values.Sum());
        Assert.Empty(report.Defects);
        // The mutants reach the readers' error paths: most are refused.
        Assert.True(report.Outcomes.Where(o => o.Key.StartsWith("Refused", StringComparison.Ordinal)).Sum(o => o.Value) > 0, string.Join("; ", report.Outcomes));
    }

    [Fact]
    public void MutantsAreReproducibleFromTheirSeed()
    {
        var seed = new byte[100];
        new Random(1).NextBytes(seed);
        Assert.Equal(InputFuzzer.Mutate(seed, new Random(42), isText: false), InputFuzzer.Mutate(seed, new Random(42), isText: false));
        Assert.NotEqual(seed, InputFuzzer.Mutate(seed, new Random(42), isText: false));
    }

    /// <summary>One fuzzer (its seed files built once) for the class.</summary>
    public sealed class Fuzzer : IDisposable
    {
        internal InputFuzzer Instance { get; } = new(TimeSpan.FromSeconds(30));

        public void Dispose() => Instance.Dispose();
    }
}
