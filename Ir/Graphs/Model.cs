namespace Onnxc.Ir;

/// <summary>An operator set a model imports: a domain ("" is ai.onnx) and its version.</summary>
public sealed record OpsetImport(string Domain, long Version);

/// <summary>
/// A whole model: the main graph, opset imports, model-local functions and metadata. Disposing it releases the
/// memory mappings of external data.
/// </summary>
public sealed class Model : IDisposable
{
    public Model(Graph graph) => Graph = graph;

    public Graph Graph { get; set; }

    public long IrVersion { get; set; } = 10;

    public List<OpsetImport> OpsetImports { get; } = new();

    public string ProducerName { get; set; } = "";

    public string ProducerVersion { get; set; } = "";

    public string Domain { get; set; } = "";

    public long ModelVersion { get; set; }

    public string? DocString { get; set; }

    public List<KeyValuePair<string, string>> MetadataProps { get; } = new();

    public List<Function> Functions { get; } = new();

    /// <summary>TrainingInfoProto and other model fields onnxc does not interpret, kept as serialized bytes.</summary>
    public List<ReadOnlyMemory<byte>> OpaqueFields { get; } = new();

    /// <summary>Things to release with the model (external data mappings).</summary>
    public List<IDisposable> Resources { get; } = new();

    /// <summary>The version of <paramref name="domain"/> this model imports, or null.</summary>
    public long? OpsetVersion(string domain = "")
    {
        var normalized = domain == "ai.onnx" ? "" : domain;
        return OpsetImports.Find(o => o.Domain == normalized || (normalized.Length == 0 && o.Domain == "ai.onnx"))?.Version;
    }

    /// <summary>Adds or raises the import of <paramref name="domain"/> so emitted nodes of that domain are declared.</summary>
    public void EnsureOpset(string domain, long version)
    {
        int at = OpsetImports.FindIndex(o => o.Domain == domain);
        if (at < 0) OpsetImports.Add(new OpsetImport(domain, version));
        else if (OpsetImports[at].Version < version) OpsetImports[at] = new OpsetImport(domain, version);
    }

    public Function? FindFunction(string domain, string name, string overload = "") =>
        Functions.Find(f => f.Domain == domain && f.Name == name && f.Overload == overload);

    public void Dispose()
    {
        foreach (var resource in Resources) resource.Dispose();
        Resources.Clear();
    }
}

/// <summary>A model-local function (ONNX FunctionProto): a body graph plus attribute parameters.</summary>
public sealed class Function
{
    public Function(string domain, string name, Graph body)
    {
        Domain = domain;
        Name = name;
        Body = body;
    }

    public string Domain { get; set; }

    public string Name { get; set; }

    public string Overload { get; set; } = "";

    /// <summary>The body; its inputs and outputs are the function's formal parameters (usually untyped).</summary>
    public Graph Body { get; }

    /// <summary>Attribute parameters without defaults.</summary>
    public List<string> AttributeNames { get; } = new();

    /// <summary>Attribute parameters with default values.</summary>
    public List<Attribute> AttributeDefaults { get; } = new();

    public List<OpsetImport> OpsetImports { get; } = new();

    public string? DocString { get; set; }

    public List<KeyValuePair<string, string>> MetadataProps { get; } = new();
}
