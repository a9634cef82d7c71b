namespace MlnetGan.Gan;

/// <summary>
/// The independent random streams of a seed (<see cref="Data.SeedMixer"/>'s stream index). Every draw of a run comes from
/// (seed, stream, index), so a resumed run and a re-run replay the same numbers. The values are part of the results:
/// changing one changes every run made with it.
/// </summary>
public enum RandomStream : long
{
    /// <summary>The training noise z of step s (index: the step).</summary>
    TrainingNoise = 1,

    /// <summary>The shuffle of epoch e (index: the epoch).</summary>
    Shuffle = 2,

    /// <summary>The fixed noise of the per-epoch sample grids.</summary>
    FixedNoise = 3,

    /// <summary>The initial weights of G and D (and of the untrained baseline D).</summary>
    WeightInit = 4,

    /// <summary>Which labelled images a semi-supervised run keeps per class.</summary>
    LabelledSubset = 5,

    /// <summary>
    /// The training batches BatchNorm statistics are recomputed over. The same index as <see cref="LabelledSubset"/>, kept
    /// so that exports made before the enum are reproduced; the two draws are independent (one run never makes both).
    /// </summary>
    BatchNormRecomputation = 5,

    /// <summary>The labelled batch of step s (index: the step).</summary>
    LabelledBatch = 6,

    /// <summary>D's input noise and dropout masks of step s (index: the step).</summary>
    Regularization = 7,

    /// <summary>The noise of <c>mlnetgan sample</c>'s grid.</summary>
    SampleGrid = 10,

    /// <summary>The end points of the latent-space walk.</summary>
    Interpolation = 11,

    /// <summary>The noise of generated datasets judged by a classifier (index: the batch).</summary>
    SampleDataset = 12,
}
