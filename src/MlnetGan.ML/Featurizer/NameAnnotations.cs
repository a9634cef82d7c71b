using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlnetGan.ML;

/// <summary>Column annotations that carry class names: <c>KeyValues</c> on a label key, <c>SlotNames</c> on a score vector.</summary>
internal static class NameAnnotations
{
    /// <summary>Annotations holding <paramref name="names"/> as a text vector of kind <paramref name="kind"/>; none when there are no names.</summary>
    public static DataViewSchema.Annotations Of(string kind, IReadOnlyList<string> names)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        if (names.Count > 0)
        {
            var values = names.Select(n => n.AsMemory()).ToArray();
            builder.Add(kind, new VectorDataViewType(TextDataViewType.Instance, values.Length),
                (ref VBuffer<ReadOnlyMemory<char>> value) => value = new VBuffer<ReadOnlyMemory<char>>(values.Length, values));
        }
        return builder.ToAnnotations();
    }

    /// <summary>
    /// The score column's annotations: a K-class model's class names as <c>SlotNames</c> (what ML.NET's multiclass
    /// evaluator labels its confusion table with, as for a trainer's <c>Score</c>); none for a DCGAN's single score.
    /// </summary>
    public static DataViewSchema.Annotations OfScore(DcganModelInfo info) =>
        Of("SlotNames", info.ScoreLength > 1 && info.ClassNames.Count == info.ScoreLength ? info.ClassNames : []);
}
