using Google.Protobuf;
using Onnxc.Backends.Onnx.Protos;
using Onnxc.Ir;

namespace Onnxc.Backends.Onnx.Export;

/// <summary>IR <see cref="Model"/> → ModelProto, with tensors placed by an <see cref="ExternalDataPlan"/>.</summary>
internal static class ModelWriter
{
    public static ModelProto Write(Model model, ExternalDataPlan plan)
    {
        var proto = new ModelProto { IrVersion = model.IrVersion };
        foreach (var opset in model.OpsetImports) proto.OpsetImport.Add(new OperatorSetIdProto { Domain = opset.Domain, Version = opset.Version });
        if (model.ProducerName.Length > 0) proto.ProducerName = model.ProducerName;
        if (model.ProducerVersion.Length > 0) proto.ProducerVersion = model.ProducerVersion;
        if (model.Domain.Length > 0) proto.Domain = model.Domain;
        if (model.ModelVersion != 0) proto.ModelVersion = model.ModelVersion;
        if (model.DocString is not null) proto.DocString = model.DocString;
        GraphWriter.AddMetadata(proto.MetadataProps, model.MetadataProps);

        var names = new NameTable();
        foreach (var input in model.Graph.Inputs) names.Reserve(input, $"graph '{model.Graph.Name}'");
        foreach (var output in model.Graph.Outputs) names.Reserve(output, $"graph '{model.Graph.Name}'");
        proto.Graph = new GraphWriter(names, plan).Write(model.Graph);

        foreach (var function in model.Functions) proto.Functions.Add(Function(function, plan));
        foreach (var opaque in model.OpaqueFields) proto.MergeFrom(opaque.ToArray());
        return proto;
    }

    private static FunctionProto Function(Function function, ExternalDataPlan plan)
    {
        var names = new NameTable();
        var where = $"function '{function.Domain}::{function.Name}'";
        foreach (var input in function.Body.Inputs) names.Reserve(input, where);
        foreach (var output in function.Body.Outputs) names.Reserve(output, where);
        var writer = new GraphWriter(names, plan);
        var body = writer.Write(function.Body);
        var proto = new FunctionProto { Name = function.Name, Domain = function.Domain };
        if (function.Overload.Length > 0) proto.Overload = function.Overload;
        if (function.DocString is not null) proto.DocString = function.DocString;
        proto.Input.AddRange(body.Input.Select(i => i.Name));
        proto.Output.AddRange(body.Output.Select(o => o.Name));
        proto.Attribute.AddRange(function.AttributeNames);
        foreach (var attribute in function.AttributeDefaults) proto.AttributeProto.Add(writer.Attribute(attribute));
        proto.Node.AddRange(body.Node);
        proto.ValueInfo.AddRange(body.ValueInfo);
        foreach (var opset in function.OpsetImports) proto.OpsetImport.Add(new OperatorSetIdProto { Domain = opset.Domain, Version = opset.Version });
        GraphWriter.AddMetadata(proto.MetadataProps, function.MetadataProps);
        return proto;
    }
}
