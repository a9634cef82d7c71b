namespace MlnetGan.ML.Reports;

/// <summary>PNG images as inline HTML, for notebooks (<c>display(HTML(HtmlImage.Png(bytes)))</c>) and reports.</summary>
public static class HtmlImage
{
    /// <summary>An <c>&lt;img&gt;</c> element holding <paramref name="png"/> as a base64 data URI.</summary>
    public static string Png(byte[] png) => $"<img src=\"data:image/png;base64,{Convert.ToBase64String(png)}\"/>";

    /// <summary>An <c>&lt;img&gt;</c> element holding the PNG file at <paramref name="path"/>.</summary>
    public static string Png(string path) => Png(File.ReadAllBytes(path));
}
