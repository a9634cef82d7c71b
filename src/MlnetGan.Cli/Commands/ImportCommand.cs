using System.CommandLine;
using MlnetGan.Gan;
using MlnetGan.Workflows;

namespace MlnetGan.Cli.Commands;

/// <summary><c>mlnetgan import</c>: makes a run folder of a DCGAN trained in PyTorch (pytorch/examples' dcgan/main.py state dicts).</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var generator = new Option<string>("--generator") { Description = $"The generator's state dict, saved by torch.save(netG.state_dict(), ...) (main.py's {PyTorchWeights.GeneratorFileName}).", Required = true };
        var discriminator = new Option<string>("--discriminator") { Description = $"The discriminator's state dict (main.py's {PyTorchWeights.DiscriminatorFileName}).", Required = true };
        var output = new Option<string>("--out") { Description = "The run folder to create (it must not exist, or be empty).", Required = true };
        var imageSize = Given("--image-size", "Model image size: 32 or 64 (default: from the number of layers).");
        var channels = Given("--channels", "Model channels: 1 or 3 (default: from the first convolution).");
        var nz = Given("--nz", "Latent vector length (default: from the generator's first layer).");
        var ngf = Given("--ngf", "Generator width (default: from the generator's last layer).");
        var ndf = Given("--ndf", "Discriminator width (default: from the discriminator's first layer).");
        var noExport = new Option<bool>("--no-export") { Description = $"Do not export the discriminator to <out>/{RunFolder.DiscriminatorFileName}." };
        var command = new Command("import", "Make a run folder of a DCGAN trained in PyTorch (dcgan/main.py's netG.pth and netD.pth; a DataParallel 'module.' prefix is accepted), with fresh Adam states for 'train --resume'.")
        {
            generator, discriminator, output, imageSize, channels, nz, ngf, ndf, noExport,
        };
        command.SetAction(parse =>
        {
            var run = new RunFolder(parse.GetRequiredValue(output));
            var outcome = PyTorchTransfer.Import(new PyTorchImportRequest
            {
                Run = run,
                Generator = parse.GetRequiredValue(generator),
                Discriminator = parse.GetRequiredValue(discriminator),
                Model = new PyTorchModelSettings
                {
                    ImageSize = parse.GetValue(imageSize), Channels = parse.GetValue(channels), Nz = parse.GetValue(nz), Ngf = parse.GetValue(ngf), Ndf = parse.GetValue(ndf),
                },
                Export = !parse.GetValue(noExport),
            });
            Console.WriteLine($"Imported a DCGAN ({CheckpointStore.Describe(outcome.Model)}) into {run.Root} (checkpoint {outcome.Checkpoint})");
            if (outcome.ExportedModel is { } model) Console.WriteLine($"Exported the discriminator to {model}");
            return 0;
        });
        return command;
    }

    /// <summary>A model setting that, when given, replaces the one read from the files.</summary>
    private static Option<int?> Given(string name, string description)
    {
        var option = new Option<int?>(name) { Description = description };
        option.CustomParser = result => OptionParsers.Integer(result, name, positive: true);
        return option;
    }
}
