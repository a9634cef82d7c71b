using System.Globalization;
using System.Text;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.ML;
using MlnetGan.ML.Reports;

namespace MlnetGan.Cli.Reports;

/// <summary>
/// One self-contained <c>report.html</c> for a run (every image embedded as a data URI): facts, the accuracy table and
/// plot with every per-subset figure, loss curves, D's outputs, sample grids per epoch, a latent-space interpolation
/// strip and the confusion matrices. Written atomically next to the evaluation's results.json and report.md.
/// </summary>
internal static class RunReport
{
    public const string HtmlFile = "report.html";

    public static string Write(RunFolder run, EvaluationResult evaluation, string directory, IReadOnlyList<(string Key, string Value)> facts)
    {
        var metrics = new MetricsLog(run.MetricsPath).Read();
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>MlnetGan report</title><style>")
            .Append("body{font-family:DejaVu Sans,Segoe UI,sans-serif;max-width:1000px;margin:2em auto;color:#222}")
            .Append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}")
            .Append("th:first-child,td:first-child{text-align:left}img{max-width:100%}h2{margin-top:2em}</style></head><body>");
        html.Append("<h1>MlnetGan: DCGAN discriminator features</h1><ul>");
        foreach (var (key, value) in facts) html.Append($"<li><b>{Encode(key)}</b>: {Encode(value)}</li>");
        html.Append("</ul>");

        html.Append("<h2>Accuracy of a ").Append(Encode(evaluation.Classifier)).Append(" on the features</h2>");
        html.Append("<p>Test accuracy (%), mean ± standard deviation over the labelled subsets.</p>");
        html.Append(Table(["features", "dims", .. evaluation.Results.Select(r => r.Budget).Distinct().Select(b => $"{b} labels/class")],
            evaluation.Results.Select(r => r.FeatureSet).Distinct().Select(set => (IEnumerable<string>)[set, evaluation.FeatureDimensions[set].ToString("N0", CultureInfo.InvariantCulture),
                .. evaluation.Results.Where(r => r.FeatureSet == set).Select(EvaluationReport.Cell)])));
        html.Append(Image(File.ReadAllBytes(Path.Combine(directory, EvaluationReport.PlotFile)), "accuracy against labels per class"));
        html.Append("<p>Every subset:</p>");
        html.Append(Table(["features", "labels/class", "subset", "accuracy (%)", "chosen L2"],
            evaluation.Results.SelectMany(r => r.Accuracies.Select((a, i) => (IEnumerable<string>)[r.FeatureSet, r.Budget, (i + 1).ToString(CultureInfo.InvariantCulture),
                (100 * a).ToString("F1", CultureInfo.InvariantCulture), r.ChosenRegularization[i].ToString("G2", CultureInfo.InvariantCulture)]))));

        if (metrics.Count > 0)
        {
            html.Append("<h2>Training</h2>");
            var steps = metrics.Select(m => (double)m.Step).ToList();
            html.Append(Image(LineChart.RenderPng("Losses", "step", "loss",
                [new("loss D", steps, metrics.Select(m => m.LossD).ToList()), new("loss G", steps, metrics.Select(m => m.LossG).ToList())]), "loss curves"));
            html.Append(Image(LineChart.RenderPng("Discriminator outputs (D(G(z)) before D's update)", "step", "mean P(real)",
                [new("D(x)", steps, metrics.Select(m => m.DReal).ToList()), new("D(G(z))", steps, metrics.Select(m => m.DFakeBeforeUpdate).ToList())]), "D outputs"));
            html.Append(CultureInfo.InvariantCulture, $"<p>Throughput: {metrics.Average(m => m.ImagesPerSecond):F0} images/s on average over {metrics[^1].Step} steps.</p>");
        }

        var samples = Directory.Exists(run.SamplesPath) ? Directory.GetFiles(run.SamplesPath, "epoch-*.png").Order(StringComparer.Ordinal).ToList() : [];
        if (samples.Count > 0)
        {
            html.Append("<h2>Samples G(z) of fixed noise, per epoch</h2>");
            foreach (var file in Spread(samples, 6))
                html.Append("<h3>").Append(Encode(Path.GetFileNameWithoutExtension(file))).Append("</h3>").Append(Image(File.ReadAllBytes(file), Path.GetFileName(file)));
        }

        using (var generator = Sampling.LoadGenerator(run))
        {
            html.Append("<h2>Walking in the latent space</h2><p>Each row moves linearly from one random z to another.</p>");
            html.Append(Image(Sampling.InterpolationStrip(generator, rows: 6, steps: 10, seed: 0), "latent interpolation"));
        }

        foreach (var (set, matrix) in evaluation.ConfusionMatrices)
        {
            html.Append("<h2>Confusion matrix: ").Append(Encode(set)).Append(" (largest budget, first subset)</h2>");
            html.Append(Table(["truth \\ prediction", .. evaluation.ClassNames],
                matrix.Select((row, i) => (IEnumerable<string>)[evaluation.ClassNames[i], .. row.Select(v => v.ToString(CultureInfo.InvariantCulture))])));
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

    private static string Image(byte[] png, string alt) => $"<p><img alt=\"{Encode(alt)}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\"></p>";

    /// <summary>Escapes the characters HTML gives meaning to; other text stays as UTF-8 (the page declares it).</summary>
    private static string Encode(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");
}
