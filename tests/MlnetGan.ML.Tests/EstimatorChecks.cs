using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlnetGan.ML.Tests;

/// <summary>
/// The round trip ML.NET's own <c>TestEstimatorCore</c> puts its estimators through, for this library's: the schema
/// the estimator promises is the one the fitted transformer and its output have; the transformer saves and loads in a
/// fresh context and gives the same values in the columns it adds (features, scores, keys); input of the wrong kind fails at GetOutputSchema, Fit and the transformer's
/// GetOutputSchema, naming the column.
/// </summary>
internal static class EstimatorChecks
{
    /// <summary>Runs the round trip.</summary>
    /// <param name="ml">The context the estimator was made in.</param>
    /// <param name="estimator">The estimator under test.</param>
    /// <param name="validInput">Data it fits and transforms.</param>
    /// <param name="invalidInput">Data whose <paramref name="invalidColumn"/> it must refuse.</param>
    /// <param name="invalidColumn">The column the refusal names.</param>
    public static void Run<TTransformer>(MLContext ml, IEstimator<TTransformer> estimator, IDataView validInput, IDataView invalidInput, string invalidColumn)
        where TTransformer : class, ITransformer
    {
        var promised = estimator.GetOutputSchema(MlNetInternals.ShapeOf(validInput.Schema));
        var transformer = estimator.Fit(validInput);
        try
        {
            var output = transformer.Transform(validInput);
            AssertSameColumns(promised, transformer.GetOutputSchema(validInput.Schema));
            AssertSameColumns(promised, output.Schema);

            using var saved = new MemoryStream();
            ml.Model.Save(transformer, validInput.Schema, saved);
            saved.Position = 0;
            var fresh = new MLContext(seed: 1);
            fresh.ComponentCatalog.RegisterDcganComponents();
            var loaded = fresh.Model.Load(saved, out var loadedInputSchema);
            Assert.Equal(validInput.Schema.Select(c => (c.Name, c.Type)), loadedInputSchema.Select(c => (c.Name, c.Type)));
            var reloaded = loaded.Transform(validInput);
            AssertSameColumns(promised, reloaded.Schema);
            var added = promised.Where(c => validInput.Schema.GetColumnOrNull(c.Name) is null && IsCompared(output.Schema[c.Name].Type)).ToList();
            Assert.NotEmpty(added);
            foreach (var column in added) AssertSameValues(output, reloaded, column.Name);

            var invalidShape = MlNetInternals.ShapeOf(invalidInput.Schema);
            foreach (var refusal in new Action[] { () => estimator.GetOutputSchema(invalidShape), () => estimator.Fit(invalidInput), () => transformer.GetOutputSchema(invalidInput.Schema) })
                Assert.Contains($"'{invalidColumn}'", Assert.Throws<ArgumentOutOfRangeException>(refusal).Message);
        }
        finally
        {
            (transformer as IDisposable)?.Dispose();
        }
    }

    private static void AssertSameColumns(SchemaShape promised, DataViewSchema actual)
    {
        var shape = MlNetInternals.ShapeOf(actual).ToDictionary(c => c.Name);
        foreach (var column in promised)
        {
            Assert.True(shape.TryGetValue(column.Name, out var found), $"column '{column.Name}' is promised but missing");
            Assert.Equal((column.Kind, column.ItemType, column.IsKey), (found.Kind, found.ItemType, found.IsKey));
        }
    }

    /// <summary>Whether the values of a column of <paramref name="type"/> are compared: float vectors and keys (not images).</summary>
    private static bool IsCompared(DataViewType type) =>
        type is KeyDataViewType || type is VectorDataViewType vector && vector.ItemType == NumberDataViewType.Single;

    private static void AssertSameValues(IDataView expected, IDataView actual, string column)
    {
        if (expected.Schema[column].Type is KeyDataViewType) Assert.Equal(expected.GetColumn<uint>(column), actual.GetColumn<uint>(column));
        else FeaturizerTests.AssertClose(Floats(expected, column), Floats(actual, column), 1e-5f);
    }

    private static float[] Floats(IDataView view, string column) =>
        view.GetColumn<VBuffer<float>>(column).SelectMany(v => v.DenseValues()).ToArray();
}
