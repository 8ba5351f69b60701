using Onnxc.Ir;

namespace Onnxc.Samples;

/// <summary>The transformer families the samples can build.</summary>
public enum SampleKind
{
    Bert,
    Gpt2,
    Llama,
    Vit,

    /// <summary>GPT-2 as a decoder step with a KV cache (past_key_values in, present out), named "gpt2-&lt;size&gt;-past".</summary>
    Gpt2Past,
}

/// <summary>Preset sizes: Tiny for tests; Base for the realistic preset of each family (BERT-base, GPT-2 small, small Llama, ViT-B/16).</summary>
public enum SampleSize
{
    Tiny,
    Base,
}

/// <summary>One entry of the sample catalogue, as the CLI names it ("bert-base").</summary>
public sealed record SampleEntry(string Name, SampleKind Kind, SampleSize Size, string Description);

/// <summary>Builds sample transformer models by kind and size, and names them for the CLI.</summary>
public static class SampleModels
{
    /// <summary>Every sample, named "&lt;kind&gt;-&lt;size&gt;" in lower case.</summary>
    public static IReadOnlyList<SampleEntry> Catalogue { get; } =
        (from kind in Enum.GetValues<SampleKind>()
         from size in Enum.GetValues<SampleSize>()
         select new SampleEntry(NameOf(kind, size), kind, size, Describe(kind, size))).ToList();

    /// <summary>Builds the model with seeded weights for the default-domain <paramref name="opset"/> (11..21).</summary>
    public static Model Build(SampleKind kind, SampleSize size, int seed = 0, int opset = SampleOpsets.Default) => kind switch
    {
        SampleKind.Bert => BertBuilder.Build(size == SampleSize.Tiny ? BertConfig.Tiny : BertConfig.BertBase, seed, opset),
        SampleKind.Gpt2 => Gpt2Builder.Build(size == SampleSize.Tiny ? Gpt2Config.Tiny : Gpt2Config.Gpt2Small, seed, opset),
        SampleKind.Gpt2Past => Gpt2PastBuilder.Build(size == SampleSize.Tiny ? Gpt2Config.Tiny : Gpt2Config.Gpt2Small, seed, opset),
        SampleKind.Llama => LlamaBuilder.Build(size == SampleSize.Tiny ? LlamaConfig.Tiny : LlamaConfig.Small, seed, opset),
        SampleKind.Vit => VitBuilder.Build(size == SampleSize.Tiny ? VitConfig.Tiny : VitConfig.VitB16, seed, opset),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown sample kind"),
    };

    /// <summary>Builds the sample the CLI names ("gpt2-tiny"); throws a usage error listing the names when unknown.</summary>
    public static Model Build(string name, int seed = 0, int opset = SampleOpsets.Default)
    {
        var entry = Find(name);
        return Build(entry.Kind, entry.Size, seed, opset);
    }

    /// <summary>The catalogue entry for a CLI name (case-insensitive); throws ONNXC0601 with the known names otherwise.</summary>
    public static SampleEntry Find(string name) =>
        Catalogue.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new OnnxcException(DiagnosticIds.Usage, $"unknown sample '{name}'", hint: "known samples: " + string.Join(", ", Catalogue.Select(e => e.Name)));

    /// <summary>The CLI name of a kind and size, e.g. "vit-base" (the KV-cache variant: "gpt2-base-past").</summary>
    public static string NameOf(SampleKind kind, SampleSize size) => kind == SampleKind.Gpt2Past
        ? $"{NameOf(SampleKind.Gpt2, size)}-past"
        : $"{kind.ToString().ToLowerInvariant()}-{size.ToString().ToLowerInvariant()}";

    /// <summary>Trainable parameters of a preset, from its config's formula (no model is built).</summary>
    public static long ParameterCount(SampleKind kind, SampleSize size) => kind switch
    {
        SampleKind.Bert => (size == SampleSize.Tiny ? BertConfig.Tiny : BertConfig.BertBase).ParameterCount,
        SampleKind.Gpt2 or SampleKind.Gpt2Past => (size == SampleSize.Tiny ? Gpt2Config.Tiny : Gpt2Config.Gpt2Small).ParameterCount,
        SampleKind.Llama => (size == SampleSize.Tiny ? LlamaConfig.Tiny : LlamaConfig.Small).ParameterCount,
        SampleKind.Vit => (size == SampleSize.Tiny ? VitConfig.Tiny : VitConfig.VitB16).ParameterCount,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown sample kind"),
    };

    private static string Describe(SampleKind kind, SampleSize size) => (kind, size) switch
    {
        (SampleKind.Bert, SampleSize.Tiny) => "BERT encoder, 2 layers, hidden 64",
        (SampleKind.Bert, _) => "BERT-base: 12 layers, hidden 768, 12 heads, vocab 30522",
        (SampleKind.Gpt2, SampleSize.Tiny) => "GPT-2 decoder, 2 layers, hidden 64",
        (SampleKind.Gpt2, _) => "GPT-2 small: 12 layers, hidden 768, 12 heads, vocab 50257, context 1024",
        (SampleKind.Gpt2Past, SampleSize.Tiny) => "GPT-2 decoder step with KV cache (past_key_values → present), 2 layers, hidden 64",
        (SampleKind.Gpt2Past, _) => "GPT-2 small decoder step with KV cache (past_key_values → present), HF use_cache=True interface",
        (SampleKind.Llama, SampleSize.Tiny) => "Llama decoder, 2 layers, hidden 64",
        (SampleKind.Llama, _) => "small Llama: 8 layers, hidden 512, 8 heads, vocab 32000",
        (SampleKind.Vit, SampleSize.Tiny) => "ViT, 32x32 images, patch 8, 2 layers, hidden 64",
        _ => "ViT-B/16: 224x224 images, patch 16, 12 layers, hidden 768, 1000 classes",
    };
}
