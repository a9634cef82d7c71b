using System.CommandLine;
using MlnetGan.Data;
using MlnetGan.Gan;

namespace MlnetGan.Cli.Commands;

/// <summary><c>mlnetgan sample</c>: images from a run's generator, or latent-space interpolation strips.</summary>
internal static class SampleCommand
{
    /// <summary>The most images one grid may hold (an interpolation strip holds 10).</summary>
    public const int MaxImages = 4096;

    private const int InterpolationSteps = 10;

    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "Run folder written by 'mlnetgan train'.", Required = true };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "A checkpoint folder of the run (default: the latest)." };
        var count = SharedOptions.Positive(new Option<int>("--count") { Description = "Images (or, with --interpolate, strips of 10 steps).", DefaultValueFactory = _ => 64 });
        var interpolate = new Option<bool>("--interpolate") { Description = "Walk the latent space: each row goes linearly from one random z to another." };
        var seed = SharedOptions.Seed();
        var output = new Option<string>("--out") { Description = "PNG file to write (atomically).", Required = true };
        var command = new Command("sample", "Draw images from a run's generator as a PNG grid.") { run, checkpoint, count, interpolate, seed, output };
        command.SetAction(parse =>
        {
            int images = parse.GetValue(interpolate) ? InterpolationSteps * parse.GetValue(count) : parse.GetValue(count);
            if (images > MaxImages || images < 0)
                throw new ArgumentException($"--count {parse.GetValue(count)}: a grid holds at most {MaxImages} images{(parse.GetValue(interpolate) ? $" ({MaxImages / InterpolationSteps} strips of {InterpolationSteps})" : "")}");
            using var generator = Sampling.LoadGenerator(new RunFolder(parse.GetRequiredValue(run)), parse.GetValue(checkpoint));
            var png = parse.GetValue(interpolate)
                ? Sampling.InterpolationStrip(generator, parse.GetValue(count), steps: InterpolationSteps, parse.GetValue(seed))
                : Sampling.SampleGrid(generator, parse.GetValue(count), parse.GetValue(seed));
            var path = Path.GetFullPath(parse.GetRequiredValue(output));
            AtomicFile.WriteAllBytes(path, png);
            Console.WriteLine($"Wrote {path}");
            return 0;
        });
        return command;
    }
}
