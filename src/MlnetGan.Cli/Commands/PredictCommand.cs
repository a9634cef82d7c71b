using System.CommandLine;
using System.Globalization;
using System.Text;
using CsvHelper;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlnetGan.Data;
using MlnetGan.ML;

namespace MlnetGan.Cli.Commands;

/// <summary>
/// <c>mlnetgan predict</c>: applies a saved ML.NET pipeline (for example LoadImages -> ResizeImages -> DCGAN features ->
/// classifier, saved with <c>mlContext.Model.Save</c>) to image files. The pipeline's input is a text column <c>ImagePath</c>.
/// </summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var pipeline = new Option<string>("--pipeline") { Description = "A saved ML.NET pipeline (.zip) whose input has a text column ImagePath.", Required = true };
        var images = new Option<string>("--images") { Description = "An image file, or a folder searched recursively for .png/.jpg/.jpeg.", Required = true };
        var output = new Option<string>("--out") { Description = "predictions.csv (ImagePath, PredictedLabel, Score values), written atomically.", Required = true };
        var device = SharedOptions.Device();
        var fallback = SharedOptions.AllowCpuFallback();
        var command = new Command("predict", "Apply a saved ML.NET pipeline (with the DCGAN featurizer) to images and write its predictions.") { pipeline, images, output, device, fallback };
        command.SetAction(parse =>
        {
            var zip = parse.GetRequiredValue(pipeline);
            if (!File.Exists(zip)) throw new ArgumentException($"--pipeline {zip}: file not found");
            var files = ImageFiles(parse.GetRequiredValue(images));
            var onnxDevice = OnnxDevice.Parse(parse.GetValue(device)!, parse.GetValue(fallback))
                .Resolve(parse.GetValue(device) == "auto" ? null : Console.WriteLine);
            // A loaded pipeline's ONNX step takes its device from the context.
            var ml = new MLContext(seed: 0) { GpuDeviceId = onnxDevice.GpuDeviceId, FallbackToCpu = onnxDevice.FallbackToCpu };
            var csv = Predict(ml, zip, files);
            var path = Path.GetFullPath(parse.GetRequiredValue(output));
            AtomicFile.WriteAllText(path, csv);
            Console.WriteLine($"Wrote predictions for {files.Count} images to {path}");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Loads the saved pipeline <paramref name="zip"/> and returns the predictions CSV for <paramref name="files"/>. A zip
    /// that ML.NET cannot load is an <see cref="ArgumentException"/> naming it.
    /// </summary>
    internal static string Predict(MLContext ml, string zip, List<string> files)
    {
        ml.ComponentCatalog.RegisterDcganComponents();
        ITransformer model;
        DataViewSchema inputSchema;
        try { model = ml.Model.Load(zip, out inputSchema); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A damaged zip can fail anywhere in ML.NET's loader, often inside a component's constructor called by reflection.
            var cause = e is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner : e;
            throw new ArgumentException($"--pipeline {zip}: not a loadable ML.NET model ({cause.Message.Split('\n')[0].Trim()})", e);
        }
        var predictions = model.Transform(Inputs(ml, inputSchema, files, zip));
        using var buffer = new MemoryStream();
        WriteCsv(buffer, predictions);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// The image files to predict: <paramref name="source"/> itself, or the images under it (symbolic links to folders are
    /// not followed, so each file is listed once). Each must decode completely within the size limits, so a bad file is
    /// named here rather than failing deep inside the pipeline.
    /// </summary>
    private static List<string> ImageFiles(string source)
    {
        List<string> files;
        if (File.Exists(source)) files = [Path.GetFullPath(source)];
        else if (Directory.Exists(source)) files = [.. ImageFile.FindImages(source)];
        else throw new DatasetException(source, "not found");
        if (files.Count == 0) throw new DatasetException(source, "holds no .png, .jpg or .jpeg images");
        foreach (var file in files) ImageFile.Check(file);
        return files;
    }

    /// <summary>
    /// Rows for the pipeline: ImagePath set; any other text input (such as the Label a training pipeline mapped to a key)
    /// gets a copy of the path, which the pipeline's key mapping treats as an unknown value and which prediction ignores.
    /// </summary>
    private static IDataView Inputs(MLContext ml, DataViewSchema schema, List<string> files, string zip)
    {
        string Inputs() => string.Join(", ", schema.Select(c => $"{c.Name}:{c.Type}"));
        if (schema.GetColumnOrNull("ImagePath") is not { Type: TextDataViewType })
            throw new ArgumentException($"--pipeline {zip}: its input has no text column ImagePath (inputs: {Inputs()})");
        var others = schema.Where(c => c.Name != "ImagePath" && !c.IsHidden).ToList();
        if (others.Any(c => c.Type is not TextDataViewType))
            throw new ArgumentException($"--pipeline {zip}: besides ImagePath its inputs must be text columns (inputs: {Inputs()})");
        IDataView view = ml.Data.LoadFromEnumerable(files.Select(f => new PathRow { ImagePath = f }));
        foreach (var other in others) view = ml.Transforms.CopyColumns(other.Name, "ImagePath").Fit(view).Transform(view);
        return view;
    }

    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }

    /// <summary>RFC 4180 CSV (CsvHelper quotes fields holding commas, quotes or line breaks): path, label, space-separated scores.</summary>
    private static void WriteCsv(Stream stream, IDataView predictions)
    {
        var paths = predictions.GetColumn<ReadOnlyMemory<char>>("ImagePath").Select(p => p.ToString()).ToList();
        var labels = PredictedLabels(predictions);
        var scores = predictions.Schema.GetColumnOrNull("Score") is null ? null
            : predictions.GetColumn<VBuffer<float>>("Score").Select(v => string.Join(' ', v.DenseValues().Select(x => x.ToString("R", CultureInfo.InvariantCulture)))).ToList();
        using var csv = CsvWriter.Create(stream, CsvWriterOptions.Default, leaveOpen: true);
        csv.WriteHeader(["ImagePath", "PredictedLabel", "Score"]);
        for (int i = 0; i < paths.Count; i++)
        {
            csv.WriteField(paths[i]);
            csv.WriteField(labels[i]);
            csv.WriteField(scores?[i] ?? "");
            csv.EndRecord();
        }
    }

    /// <summary>PredictedLabel as text: the key's value when the key carries its values, else the key number.</summary>
    private static List<string> PredictedLabels(IDataView predictions)
    {
        var column = predictions.Schema.GetColumnOrNull("PredictedLabel")
            ?? throw new ArgumentException("the pipeline produces no PredictedLabel column; is it a classification pipeline?");
        if (column.Type is TextDataViewType) return predictions.GetColumn<ReadOnlyMemory<char>>(column).Select(v => v.ToString()).ToList();
        var keys = predictions.GetColumn<uint>(column).ToList();
        VBuffer<ReadOnlyMemory<char>> names = default;
        if (column.HasKeyValues()) column.GetKeyValues(ref names);
        var values = names.DenseValues().Select(v => v.ToString()).ToArray();
        return keys.Select(k => k >= 1 && k <= values.Length ? values[k - 1] : k.ToString(CultureInfo.InvariantCulture)).ToList();
    }
}
