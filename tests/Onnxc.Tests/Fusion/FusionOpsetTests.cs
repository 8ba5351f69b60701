using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Passes;
using Onnxc.Samples;

namespace Onnxc.Tests.Fusion;

/// <summary>
/// The same samples written for older and newer opsets (Unsqueeze/Split attributes below 13, ReduceMean axes as an input from 18, standard LayerNormalization
/// from 17, standard Gelu from 20): -O2 fuses the same ops, and ONNX Runtime runs the result within fp32 rounding.
/// </summary>
public class FusionOpsetTests
{
    [Theory]
    // Opsets 11-13: torch's defaults before 1.12 (Unsqueeze/Split with attributes, Softmax before its 13 change).
    [InlineData("bert-tiny", 11, "LayerNormalization 4, com.microsoft::BiasGelu 2, Gemm 1")]
    [InlineData("bert-tiny", 12, "LayerNormalization 4, com.microsoft::BiasGelu 2, Gemm 1")]
    [InlineData("bert-tiny", 13, "LayerNormalization 4, com.microsoft::BiasGelu 2, Gemm 1")]
    [InlineData("gpt2-tiny", 11, "LayerNormalization 5, com.microsoft::FastGelu 2")]
    [InlineData("gpt2-tiny", 13, "LayerNormalization 5, com.microsoft::FastGelu 2")]
    [InlineData("llama-tiny", 11, "SimplifiedLayerNormalization 5, com.microsoft::QuickGelu 2")]
    [InlineData("vit-tiny", 11, "LayerNormalization 5, com.microsoft::BiasGelu 2, Gemm 1")]
    [InlineData("vit-tiny", 13, "LayerNormalization 5, com.microsoft::BiasGelu 2, Gemm 1")]
    [InlineData("bert-tiny", 18, "LayerNormalization 4, com.microsoft::BiasGelu 2, Gemm 1")]
    [InlineData("gpt2-tiny", 21, "LayerNormalization 5, com.microsoft::FastGelu 2")]
    [InlineData("llama-tiny", 21, "SimplifiedLayerNormalization 5, com.microsoft::QuickGelu 2")]
    [InlineData("vit-tiny", 21, "LayerNormalization 5, com.microsoft::BiasGelu 2, Gemm 1")]
    public void O2_fuses_and_runs_at_older_and_newer_opsets(string sample, int opset, string expected)
    {
        var folder = Directory.CreateTempSubdirectory("onnxc-fusion-opset-");
        try
        {
            var original = Path.Combine(folder.FullName, "original.onnx");
            var candidate = Path.Combine(folder.FullName, "o2.onnx");
            using (var model = SampleModels.Build(sample, opset: opset)) OnnxExporter.Save(model, original);
            using (var model = OnnxImporter.Load(original))
            {
                new PassManager(Pipelines.ForLevel(2)) { Verifier = PassVerification.FirstError }.Run(model);
                Assert.Equal(expected, FusionCountTests.Histogram(model));
                Assert.Equal(AttentionOps(sample, SampleOpsets.Default), AttentionOps(model));
                OnnxExporter.Save(model, candidate);
            }
            var report = ModelVerifier.Verify(original, candidate, new VerifyOptions
            {
                Samples = 2,
                Dims = new Dictionary<string, long> { ["batch"] = 2, ["sequence"] = 16 },
                Tolerance = new Tolerance("fp32-fusion", 1e-4, 1e-4),
            });
            Assert.True(report.Passed, string.Join("; ", report.Outputs.Where(o => !o.Passed).Select(o => $"{o.Name}: {o.Reason}")));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The attention-family ops -O2 makes of the sample at an opset (they do not depend on it).</summary>
    private static string AttentionOps(string sample, int opset)
    {
        using var model = SampleModels.Build(sample, opset: opset);
        new PassManager(Pipelines.ForLevel(2)).Run(model);
        return AttentionOps(model);
    }

    private static string AttentionOps(Ir.Model model) => string.Join(", ", model.Graph.Nodes
        .Where(n => n.Domain == "com.microsoft" && n.OpType is "Attention" or "MultiHeadAttention" or "RotaryEmbedding" or "EmbedLayerNormalization")
        .GroupBy(n => n.OpType).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));
}
