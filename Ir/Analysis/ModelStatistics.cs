namespace Onnxc.Ir;

/// <summary>What <c>onnxc inspect</c> reports: interface, opsets, op histogram and parameters by element type.</summary>
public sealed record ModelStatistics(
    IReadOnlyList<ValueSummary> Inputs,
    IReadOnlyList<ValueSummary> Outputs,
    IReadOnlyList<OpsetImport> Opsets,
    IReadOnlyDictionary<string, int> OpHistogram,
    IReadOnlyDictionary<DataType, ParameterTotals> Parameters,
    int NodeCount,
    int SubgraphCount,
    int FunctionCount,
    IReadOnlyList<string> ExternalDataFiles)
{
    public long ParameterCount => Parameters.Values.Sum(p => p.Elements);

    public long ParameterBytes => Parameters.Values.Sum(p => p.Bytes);

    /// <summary>Gathers the statistics of a model, subgraphs and functions included.</summary>
    public static ModelStatistics Of(Model model)
    {
        var histogram = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var parameters = new SortedDictionary<DataType, ParameterTotals>();
        var externalFiles = new SortedSet<string>(StringComparer.Ordinal);
        int nodes = 0, subgraphs = 0;

        void Visit(Graph graph)
        {
            foreach (var value in graph.Initializers)
            {
                if (value.Initializer is not { } tensor) continue;
                parameters.TryGetValue(tensor.ElementType, out var totals);
                parameters[tensor.ElementType] = new ParameterTotals(totals.Elements + tensor.ElementCount, totals.Bytes + tensor.ByteLength, totals.Tensors + 1);
                if (tensor is ExternalTensor external) externalFiles.Add(Path.GetFileName(external.File.Path));
            }
            foreach (var node in graph.Nodes)
            {
                nodes++;
                var key = node.Domain.Length == 0 ? node.OpType : node.Domain + "::" + node.OpType;
                histogram[key] = histogram.GetValueOrDefault(key) + 1;
                foreach (var sub in node.Subgraphs)
                {
                    subgraphs++;
                    Visit(sub);
                }
            }
        }

        Visit(model.Graph);
        foreach (var function in model.Functions) Visit(function.Body);
        return new ModelStatistics(
            model.Graph.Inputs.Where(v => !v.IsInitializer).Select(ValueSummary.Of).ToList(),
            model.Graph.Outputs.Select(ValueSummary.Of).ToList(),
            model.OpsetImports.ToList(),
            histogram,
            parameters,
            nodes,
            subgraphs,
            model.Functions.Count,
            externalFiles.ToList());
    }
}

/// <summary>A graph input or output: its name and type as text.</summary>
public sealed record ValueSummary(string Name, string Type)
{
    public static ValueSummary Of(Value value) => new(value.Name, value.Type?.ToString() ?? "?");
}

/// <summary>Totals of initializer data of one element type.</summary>
public readonly record struct ParameterTotals(long Elements, long Bytes, int Tensors);
