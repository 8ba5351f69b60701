using Onnxc.Ir;
using Onnxc.Passes.Cleanup;
using Onnxc.Passes.Dataflow;
using Onnxc.Passes.Fusion;
using Onnxc.Passes.Fusion.Attention;
using Onnxc.Passes.Layout;
using Onnxc.Passes.Normalization;
using Onnxc.Passes.Quantization;
using Onnxc.Passes.Quantization.Int8;
using Onnxc.Passes.Sparsity;

namespace Onnxc.Passes;

/// <summary>Optimization levels and the pass registry, in one place.</summary>
public static class Pipelines
{
    /// <summary>Every pass the CLI can name with <c>--passes</c>.</summary>
    public static IReadOnlyList<IPass> AllPasses() => new IPass[]
    {
        // Clean-up.
        new InlineFunctions(),
        new RemoveIdentity(),
        new EliminateCommonSubexpressions(),
        new EliminateDeadCode(),
        new InferShapes(),
        new FoldConstants(),
        new FoldWeightTransposes(),
        new MergeEqualShapes(),
        new RemoveNoOps(),
        // Fusions.
        new FuseLayerNormPass(),
        new EmbedLayerNormFusionPass(),
        new RotaryEmbeddingFusionPass(),
        new AttentionFusionPass(),
        new FuseSkipLayerNormPass(),
        new FuseGeluPass(),
        new FuseBiasGeluPass(),
        new FuseMatMulBiasPass(),
        new SelectRowsEarly(),
        // Layout.
        new PadAliasedReductions(),
        new DeferResidualBiasPass(),
        // Not in -O1/-O2: it rewrites weights (re-centering) and changes LayerNorm into RMSNorm, so it is opt-in.
        new ConvertLayerNormToRmsNorm(),
        // Not in -O1/-O2 either: lossy (int8), so only on request (--passes or --quantize int8-dynamic); it needs no
        // data or options, and its declared int8 tolerance holds on the samples and real models (PassContractTests).
        new QuantizeInt8Dynamic(),
        // Lossless but only useful before a pass that rewrites MatMul weights (weight-only quantization runs it itself).
        new SplitAttentionProjections(),
    };

    public static IPass FindPass(string name) =>
        AllPasses().FirstOrDefault(p => p.Name == name)
        ?? throw new OnnxcException(DiagnosticIds.UnknownPass, $"unknown pass '{name}'", hint: "run 'onnxc passes' to see the names");

    public static IReadOnlyList<PipelineStep> ForLevel(int level) => level switch
    {
        <= 0 => Array.Empty<PipelineStep>(),
        1 => new[] { CleanUp() },
        // -O2: clean-up first (duplicates merged, shape chains folded, so each pattern sees one value per
        // computation), then the fusions, then clean-up again for the shape chains and constants the fused nodes no
        // longer read (and to merge the per-layer mask Expands the attention fusion emits).
        // Layout last, on the graph as it will run.
        // Then the row selection of a one-token classifier moves up (it splits the last fused attention it reaches)
        // (its new index constants and the split projections' duplicates merge), and the layout passes go last.
        _ => new[] { CleanUp() }.Concat(Fusions()).Append(CleanUp()).Concat(RowSelection()).Append(SharedShapes()).Concat(Layout()).ToArray(),
    };

    /// <summary>
    /// After the fusions: shape computations of equal symbolic contents (each layer's Shape(x)[1] of one 'sequence')
    /// become one, so CSE merges what reads them (the per-layer attention masks the cached-attention fusion emits).
    /// Not before: the fusions prove a Reshape target from the reshaped tensor's own Shape, and a merged value reads
    /// another tensor's.
    /// </summary>
    private static PipelineStep SharedShapes() =>
        new PipelineStep.Fixpoint(new IPass[] { new MergeEqualShapes(), new EliminateCommonSubexpressions(), new EliminateDeadCode() });

    private static IEnumerable<PipelineStep> RowSelection() => new PipelineStep[]
    {
        new PipelineStep.Single(new SelectRowsEarly()),
        new PipelineStep.Fixpoint(new IPass[] { new EliminateCommonSubexpressions(), new EliminateDeadCode() }),
    };

    /// <summary>
    /// Layout changes for ONNX Runtime's kernels: value-preserving, but they widen weights, so passes that rewrite
    /// weights (quantization, pruning) must see the graph before them (<see cref="BeforeLayout"/>).
    /// </summary>
    private static IEnumerable<PipelineStep> Layout() => new PipelineStep[]
    {
        new PipelineStep.Single(new PadAliasedReductions()),
        new PipelineStep.Single(new DeferResidualBiasPass()),
    };

    private static bool IsLayout(PipelineStep step) => step is PipelineStep.Single { Pass: PadAliasedReductions or DeferResidualBiasPass };

    /// <summary>
    /// <paramref name="pipeline"/> with <paramref name="steps"/> added after its last step that is not a layout
    /// change: weight-rewriting passes go there, so they quantize or prune the model's own weights, not padded ones.
    /// </summary>
    public static IReadOnlyList<PipelineStep> BeforeLayout(IReadOnlyList<PipelineStep> pipeline, IEnumerable<PipelineStep> steps)
    {
        int end = pipeline.Count;
        while (end > 0 && IsLayout(pipeline[end - 1])) end--;
        return pipeline.Take(end).Concat(steps).Concat(pipeline.Skip(end)).ToList();
    }

    /// <summary>
    /// Clean-up repeats as a group until nothing changes, because each pass exposes work for the others: folding
    /// makes Reshape targets and Slice bounds constant, which makes reshapes provably no-ops; removing no-ops and
    /// Identity lets CSE see equal inputs; CSE merges the constants folding produced.
    /// </summary>
    private static PipelineStep CleanUp() => new PipelineStep.Fixpoint(new IPass[]
    {
        // Model-local functions first: every pass after it sees the ops inside the calls (torch module functions).
        new InlineFunctions(),
        // Identity and inference Dropout first: they hide constants from the folder and shapes from no-op checks.
        new RemoveIdentity(),
        // Types and static dims for everything after: Shape of a static value folds, no-op checks compare shapes.
        new InferShapes(),
        // Constants (shape arithmetic: Shape→Gather→Unsqueeze→Concat) collapse into initializers.
        new FoldConstants(),
        // Weights behind a Transpose (nn.Linear exported without constant folding), which the folder's size limit keeps.
        new FoldWeightTransposes(),
        // Nodes whose output equals their input (often only provable once their shape inputs are folded).
        new RemoveNoOps(),
        // Duplicates: the folder emits one initializer per folded node, often with equal contents.
        new EliminateCommonSubexpressions(),
        // Last: everything above leaves producers and initializers nobody reads.
        new EliminateDeadCode(),
    });

    /// <summary>The fusions of -O2, in dependency order.</summary>
    private static IEnumerable<PipelineStep> Fusions() => new PipelineStep[]
    {
        // LayerNorm first: the Skip-LayerNorm and EmbedLayerNorm fusions start from the LayerNormalization it makes.
        new PipelineStep.Single(new FuseLayerNormPass()),
        // EmbedLayerNorm right after it, before Skip-LayerNorm could claim the embedding sum as a residual Add.
        new PipelineStep.Single(new EmbedLayerNormFusionPass()),
        // Rotary before attention: the attention fusion accepts q/k produced by RotaryEmbedding, not the decomposed form.
        new PipelineStep.Single(new RotaryEmbeddingFusionPass()),
        // Attention next, while the q/k/v projections are still plain MatMul + Add (the later fusions fold biases);
        // it reads only the projections' inputs, whatever produced them.
        new PipelineStep.Single(new AttentionFusionPass()),
        // No Skip-LayerNorm here: on ONNX Runtime's CPU provider it made vit-mnist and chargpt 9-21 % slower
        // (BENCHMARKS.md, "Fusions"), so it is opt-in by name (--passes fuse-skip-layer-norm).
        // Gelu before BiasGelu: the bias fusion starts from the Gelu/FastGelu this produces.
        new PipelineStep.Single(new FuseGeluPass()),
        new PipelineStep.Single(new FuseBiasGeluPass()),
        // MatMul+bias last: it takes only the 2-D biases no fusion above folded (3-D MatMuls stay MatMul).
        new PipelineStep.Single(new FuseMatMulBiasPass()),
    };

    /// <summary>
    /// <c>--sparsity 2:4</c>: pruning runs after the -O pipeline so fusions see (and keep) the dense MatMul/Add/Gelu
    /// shapes they match and SparseMatMul24 can absorb a fused Gelu; dead-code clean-up then drops the dense weights.
    /// prune-2-4 is not in <see cref="AllPasses"/>: it is lossy, needs options and calibration data, and no elementwise
    /// tolerance describes it (it is judged by the task metric).
    /// </summary>
    public static IReadOnlyList<PipelineStep> WithSparsity(IReadOnlyList<PipelineStep> pipeline, Prune24Options options) =>
        BeforeLayout(pipeline, new PipelineStep[] { new PipelineStep.Single(new Prune24Pass(options)), new PipelineStep.Single(new EliminateDeadCode()) });

    /// <summary>
    /// <paramref name="pipeline"/> without the named passes (wherever they occur, fixpoint groups included): what
    /// <c>--disable-passes</c> does, to measure or work around one pass. An unknown name is an error, as for --passes.
    /// </summary>
    public static IReadOnlyList<PipelineStep> Without(IReadOnlyList<PipelineStep> pipeline, IReadOnlyCollection<string> names)
    {
        foreach (var name in names) FindPass(name);
        bool Kept(IPass pass) => !names.Contains(pass.Name);
        return pipeline.Select(step => step switch
        {
            PipelineStep.Single single => Kept(single.Pass) ? step : null,
            PipelineStep.Fixpoint group => group.Passes.Where(Kept).ToList() is { Count: > 0 } kept ? group with { Passes = kept } : null,
            _ => step,
        }).OfType<PipelineStep>().ToList();
    }

    /// <summary>A pipeline of named passes, in the order given.</summary>
    public static IReadOnlyList<PipelineStep> FromNames(IEnumerable<string> names) =>
        names.Select(n => (PipelineStep)new PipelineStep.Single(FindPass(n.Trim()))).ToList();
}
