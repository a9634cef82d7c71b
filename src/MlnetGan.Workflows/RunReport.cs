using System.Globalization;
using System.Text;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.ML;
using MlnetGan.ML.Reports;

namespace MlnetGan.Workflows;

/// <summary>
/// One self-contained <c>report.html</c> for a run (every image embedded as a data URI): facts, the accuracy table and
/// plot with every per-subset figure, how a classifier of real images judges the generator's samples, real images beside
/// generated ones, loss curves, D's outputs, sample grids of named epochs, a latent-space interpolation strip and the
/// confusion matrices as shaded heatmaps. Written atomically next to the evaluation's results.json and report.md.
/// </summary>
internal static class RunReport
{
    /// <summary>The report's file name in the report folder.</summary>
    public const string HtmlFile = "report.html";

    /// <summary>How many real and generated images the side-by-side grids show.</summary>
    public const int GridImages = 64;

    /// <summary>Writes the report of <paramref name="run"/> and its <paramref name="evaluation"/> (written to <paramref name="directory"/>) there; returns its path.</summary>
    public static string Write(RunFolder run, EvaluationResult evaluation, string directory, IReadOnlyList<(string Key, string Value)> facts, ImageDataset realImages)
    {
        var metrics = new MetricsLog(run.MetricsPath).Read();
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>MlnetGan report</title><style>")
            .Append("body{font-family:DejaVu Sans,Segoe UI,sans-serif;max-width:1000px;margin:2em auto;color:#222}")
            .Append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}")
            .Append("th:first-child,td:first-child{text-align:left}img{max-width:100%}h2{margin-top:2em}")
            .Append(".pair{display:flex;gap:1.5em;flex-wrap:wrap}.pair figure{margin:0;flex:1;min-width:300px}figcaption{font-weight:bold;margin-bottom:.3em}</style></head><body>");
        html.Append("<h1>MlnetGan: DCGAN discriminator features</h1><ul>");
        foreach (var (key, value) in facts) html.Append($"<li><b>{Encode(key)}</b>: {Encode(value)}</li>");
        html.Append("</ul>");

        html.Append("<h2>Accuracy of a ").Append(Encode(evaluation.Classifier)).Append(" on the features</h2>");
        html.Append("<p>Test accuracy (%), mean ± standard deviation over the labelled subsets.</p>");
        html.Append(Table(["features", "dims", .. evaluation.Results.Select(r => r.Budget).Distinct().Select(b => $"{b} labels/class")],
            evaluation.Results.Select(r => r.FeatureSet).Distinct().Select(set => (IEnumerable<string>)[set, evaluation.FeatureDimensions[set].ToString("N0", CultureInfo.InvariantCulture),
                .. evaluation.Results.Where(r => r.FeatureSet == set).Select(EvaluationReport.Cell)])));
        html.Append(Image(File.ReadAllBytes(Path.Combine(directory, EvaluationReport.PlotFile)), "accuracy against labels per class"));
        if (evaluation.GeneratedSamples is { } quality)
        {
            html.Append("<h2>Generated samples, judged by a classifier of real images</h2>");
            html.Append("<p>A ").Append(Encode(quality.Judge)).Append(" labels the real test images and as many images G(z) of the final generator. ")
                .Append("Confidence is its highest class probability; the spread is the entropy of the predicted-class histogram ")
                .Append("(all samples in one class: 0 bits; every class equally often: the maximum).</p>");
            html.Append(Table(EvaluationReport.SampleQualityHeader, EvaluationReport.SampleQualityRows(quality)));
            html.Append(Image(ChartStyle.Png(ClassCharts.Histograms("Predicted classes", quality.ClassNames,
                [("real test images", quality.RealHistogram), ("generated images", quality.GeneratedHistogram)]), 900, 480), "predicted classes of real and generated images"));
        }
        html.Append("<p>Every subset:</p>");
        html.Append(Table(["features", "labels/class", "subset", "accuracy (%)", "chosen L2"],
            evaluation.Results.SelectMany(r => r.Accuracies.Select((a, i) => (IEnumerable<string>)[r.FeatureSet, r.Budget, (i + 1).ToString(CultureInfo.InvariantCulture),
                (100 * a).ToString("F1", CultureInfo.InvariantCulture), r.ChosenRegularization[i].ToString("G2", CultureInfo.InvariantCulture)]))));

        var samples = Directory.Exists(run.SamplesPath) ? Directory.GetFiles(run.SamplesPath, "epoch-*.png").Order(StringComparer.Ordinal).ToList() : [];
        if (samples.Count > 0)
        {
            int count = Math.Min(GridImages, realImages.Count);
            var real = ImageGrid.EncodePng(realImages.CopyPixels(0, count), count, realImages.Channels, realImages.Height,
                (int)Math.Ceiling(Math.Sqrt(count)));
            html.Append("<h2>Real and generated images</h2><div class=\"pair\">")
                .Append(Figure(real, $"Real: the first {count} training images"))
                .Append(Figure(File.ReadAllBytes(samples[^1]), $"Generated: G(z) after epoch {EpochOf(samples[^1])} (the last)"))
                .Append("</div>");
        }

        if (metrics.Count > 0)
        {
            html.Append("<h2>Training</h2>");
            var steps = metrics.Select(m => (double)m.Step).ToList();
            html.Append(Image(LineChart.RenderPng("Losses", "step", "loss",
                [new("loss D", steps, metrics.Select(m => m.LossD).ToList()), new("loss G", steps, metrics.Select(m => m.LossG).ToList())], yMin: 0), "loss curves"));
            html.Append(Image(LineChart.RenderPng("Discriminator outputs (D(G(z)) before D's update)", "step", "mean P(real)",
                [new("D(x)", steps, metrics.Select(m => m.DReal).ToList()), new("D(G(z))", steps, metrics.Select(m => m.DFakeBeforeUpdate).ToList())],
                yMin: 0, yMax: 1, references: [new ReferenceLine("0.5: D cannot tell", 0.5)]), "D outputs"));
        }

        if (samples.Count > 0)
        {
            var shown = Spread(samples, 6).ToList();
            html.Append("<h2>Samples G(z) of fixed noise during training</h2><p>The same 64 noise vectors after epochs ")
                .Append(string.Join(", ", shown.Select(EpochOf))).Append(CultureInfo.InvariantCulture, $" of {samples.Count} ({shown.Count} of {samples.Count} epochs shown; every epoch's grid is in {Encode(run.SamplesPath)}).</p>");
            foreach (var file in shown)
                html.Append("<h3>Epoch ").Append(EpochOf(file)).Append("</h3>").Append(Image(File.ReadAllBytes(file), Path.GetFileName(file)));
        }

        using (var generator = Sampling.LoadGenerator(run))
        {
            html.Append("<h2>Walking in the latent space</h2><p>Each row moves linearly from one random z to another.</p>");
            html.Append(Image(Sampling.InterpolationStrip(generator, rows: 6, steps: 10, seed: 0), "latent interpolation"));
        }

        foreach (var (set, matrix) in evaluation.ConfusionMatrices)
        {
            html.Append("<h2>Confusion matrix: ").Append(Encode(set)).Append(" (largest budget, first subset)</h2>");
            html.Append("<p>Rows: truth; columns: prediction; shade: the share of the true class.</p>");
            html.Append(ShadedTable(["truth \\ prediction", .. evaluation.ClassNames], evaluation.ClassNames, matrix));
        }
        html.Append("</body></html>");
        var path = Path.Combine(directory, HtmlFile);
        AtomicFile.WriteAllText(path, html.ToString());
        return path;
    }

    private static IEnumerable<string> Spread(IReadOnlyList<string> files, int most) =>
        files.Count <= most ? files : Enumerable.Range(0, most).Select(i => files[(int)Math.Round(i * (files.Count - 1) / (double)(most - 1))]).Distinct();

    private static string Table(IEnumerable<string> header, IEnumerable<IEnumerable<string>> rows)
    {
        var sb = new StringBuilder("<table><tr>");
        foreach (var h in header) sb.Append("<th>").Append(Encode(h)).Append("</th>");
        sb.Append("</tr>");
        foreach (var row in rows)
        {
            sb.Append("<tr>");
            foreach (var cell in row) sb.Append("<td>").Append(Encode(cell)).Append("</td>");
            sb.Append("</tr>");
        }
        return sb.Append("</table>").ToString();
    }

    /// <summary>A confusion matrix as an HTML table whose cells are shaded by their share of the row (the true class).</summary>
    private static string ShadedTable(IEnumerable<string> header, IReadOnlyList<string> classNames, int[][] matrix)
    {
        var sb = new StringBuilder("<table><tr>");
        foreach (var h in header) sb.Append("<th>").Append(Encode(h)).Append("</th>");
        sb.Append("</tr>");
        for (int i = 0; i < matrix.Length; i++)
        {
            sb.Append("<tr><td>").Append(Encode(classNames[i])).Append("</td>");
            double total = Math.Max(1, matrix[i].Sum());
            foreach (var count in matrix[i])
            {
                double share = count / total;
                sb.Append(CultureInfo.InvariantCulture, $"<td style=\"background:rgba(8,81,156,{share:0.###});color:{(share > 0.5 ? "#fff" : "#222")}\">{count}</td>");
            }
            sb.Append("</tr>");
        }
        return sb.Append("</table>").ToString();
    }

    private static string EpochOf(string sampleFile) =>
        int.Parse(Path.GetFileNameWithoutExtension(sampleFile)["epoch-".Length..], CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);

    private static string Figure(byte[] png, string caption) =>
        $"<figure><figcaption>{Encode(caption)}</figcaption><img alt=\"{Encode(caption)}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\"></figure>";

    private static string Image(byte[] png, string alt) => $"<p><img alt=\"{Encode(alt)}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\"></p>";

    /// <summary>Escapes the characters HTML gives meaning to; other text stays as UTF-8 (the page declares it).</summary>
    private static string Encode(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");
}
