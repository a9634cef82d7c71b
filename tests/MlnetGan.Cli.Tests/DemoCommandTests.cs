using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MlnetGan.Cli.Tests;

public class DemoCommandTests
{
    [Fact]
    public void ReducedDemoRunsEndToEndWithAConsistentSelfContainedReport()
    {
        using var dir = new TempDirectory();
        var run = dir.Combine("demo");

        var result = CliRunner.Run("demo", "--out", run, "--epochs", "1", "--train-images", "200", "--test-images", "100", "--width", "8",
            "--batch-size", "20", "--labels-per-class", "5,all", "--repeats", "2", "--device", "cpu");

        Assert.True(result.ExitCode == 0, result.All);
        var report = Path.Combine(run, "report");
        foreach (var file in new[] { "report.html", "report.md", "results.json", "accuracy.png" }) Assert.True(File.Exists(Path.Combine(report, file)), file);
        Assert.True(File.Exists(Path.Combine(run, "discriminator.onnx")));

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "results.json")));
        var results = json.RootElement.GetProperty("result").GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(3 * 2, results.Count); // trained D, untrained D, raw pixels x two budgets
        var markdown = File.ReadAllText(Path.Combine(report, "report.md"));
        var html = File.ReadAllText(Path.Combine(report, "report.html"));
        foreach (var r in results)
        {
            double mean = r.GetProperty("meanAccuracy").GetDouble(), std = r.GetProperty("stdAccuracy").GetDouble();
            var accuracies = r.GetProperty("accuracies").EnumerateArray().Select(a => a.GetDouble()).ToList();
            Assert.True(double.IsFinite(mean) && double.IsFinite(std) && mean is >= 0 and <= 1);
            Assert.Equal(accuracies.Average(), mean, 9);
            var cell = accuracies.Count > 1
                ? string.Format(CultureInfo.InvariantCulture, "{0:F1} ± {1:F1}", 100 * mean, 100 * std)
                : string.Format(CultureInfo.InvariantCulture, "{0:F1}", 100 * mean);
            Assert.Contains($"| {cell}", markdown);
            Assert.Contains($"<td>{cell}</td>", html);
            foreach (var a in accuracies) Assert.Contains($"<td>{(100 * a).ToString("F1", CultureInfo.InvariantCulture)}</td>", html);
        }
        // The generated samples, judged by a classifier of the real images, in all three outputs.
        var quality = json.RootElement.GetProperty("result").GetProperty("generatedSamples");
        Assert.Equal(100, quality.GetProperty("generatedCount").GetInt32());
        Assert.Equal(100, quality.GetProperty("generatedHistogram").EnumerateArray().Sum(c => c.GetInt32()));
        double confidence = quality.GetProperty("generatedConfidence").GetDouble(), spread = quality.GetProperty("generatedEntropyBits").GetDouble();
        Assert.InRange(confidence, 0.1, 1.0);
        Assert.InRange(spread, 0, Math.Log2(10) + 1e-9);
        var spreadCell = spread.ToString("F2", CultureInfo.InvariantCulture) + " of 3.32 bits";
        Assert.Contains(spreadCell, markdown);
        Assert.Contains($"<td>{spreadCell}</td>", html);
        Assert.Contains("Generated samples, judged by a classifier of real images", html);
        Assert.Contains("Real: the first 64 training images", html);
        Assert.Contains("Generated: G(z) after epoch 1 (the last)", html);
        Assert.Single(Regex.Matches(html, "images/s"));
        Assert.True(File.Exists(Path.Combine(report, "accuracy.svg")));
        Assert.True(File.Exists(Path.Combine(report, "confusion-trained-d.png")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(run, "tensorboard"), "events.out.tfevents.*"));
        Assert.Contains("Generated samples, judged by a classifier of real images: confidence", result.Output.Replace("\n", " "));

        var sources = Regex.Matches(html, "src=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.True(sources.Count >= 4, $"only {sources.Count} images");
        Assert.All(sources, s => Assert.StartsWith("data:image/png;base64,", s));
        Assert.DoesNotContain("href=", html);
        Assert.Contains("report.html", result.Output.Replace("\n", ""));
    }

    [Fact]
    public void ExistingOutputIsNotOverwritten()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("keep.txt"), "x");
        var result = CliRunner.Run("demo", "--out", dir.Path);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: --out {dir.Path} is not empty; pass --force to replace it, or choose another folder", result.Error.Trim());
        Assert.True(File.Exists(dir.Combine("keep.txt")));
    }

    /// <summary>
    /// --force replaces a previous demo only once the new one is complete: a re-run that fails (here at the evaluation,
    /// after training) leaves the previous folder as it was and nothing beside it.
    /// </summary>
    [Fact]
    public void ForceReplacesThePreviousDemoOnlyWhenTheNewOneFinishes()
    {
        using var dir = new TempDirectory();
        var run = dir.Combine("demo");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "previous.txt"), "x");
        string[] small = ["demo", "--out", run, "--force", "--epochs", "1", "--train-images", "100", "--test-images", "50", "--width", "8", "--batch-size", "20", "--repeats", "1", "--device", "cpu"];

        var failed = CliRunner.Run([.. small, "--labels-per-class", "500"]);
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("500 labels per class requested", failed.Error);
        Assert.Equal(["previous.txt"], Directory.GetFileSystemEntries(run).Select(Path.GetFileName));
        Assert.Equal(["demo"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));

        var replaced = CliRunner.Run([.. small, "--labels-per-class", "5"]);
        Assert.True(replaced.ExitCode == 0, replaced.All);
        Assert.False(File.Exists(Path.Combine(run, "previous.txt")));
        Assert.True(File.Exists(Path.Combine(run, "report", "report.html")));
        Assert.Equal(["demo"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }
}
