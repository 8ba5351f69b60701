using Google.Protobuf;
using Onnxc.Backends.Onnx.Protos;
using Onnxc.Backends.Onnx.Tensors;
using Onnxc.Ir;

namespace Onnxc.Backends.Onnx.Import;

/// <summary>ModelProto → IR <see cref="Model"/>: metadata, opsets, the main graph, model-local functions, opaque rest.</summary>
internal static class ModelReader
{
    private static readonly int[] ModelFields = { 1, 2, 3, 4, 5, 6, 7, 8, 14, 25 };
    private static readonly int[] FunctionFields = { 1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };

    /// <param name="mapping">A mapping the model's tensors read from (the model file itself); the model takes it over.</param>
    public static Model Read(ModelProto proto, string? baseDirectory, bool checkOpsets, IDisposable? mapping = null)
    {
        if (proto.Graph is null)
        {
            if (ProtoResidual.HasUnknownFields(proto.ToByteArray(), ModelProto.Descriptor))
            {
                throw new OnnxcException(DiagnosticIds.MalformedProtobuf, "the file is not an ONNX model: it parses as protobuf but holds no ONNX model fields",
                    hint: "check that the file is a .onnx model and was not corrupted in transfer");
            }
            throw new OnnxcException(DiagnosticIds.NoGraph, "the model has no graph", hint: "an ONNX model needs a main graph (ModelProto.graph)");
        }
        var resources = new List<IDisposable>();
        if (mapping is not null) resources.Add(mapping);
        try
        {
            var context = new ImportContext(new ExternalDataResolver(baseDirectory, resources));
            var graph = GraphReader.Read(proto.Graph, null, context, "main graph");
            var model = new Model(graph)
            {
                IrVersion = proto.IrVersion,
                ProducerName = proto.ProducerName,
                ProducerVersion = proto.ProducerVersion,
                Domain = proto.Domain,
                ModelVersion = proto.ModelVersion,
                DocString = proto.HasDocString ? proto.DocString : null,
            };
            model.Resources.AddRange(resources);
            foreach (var opset in proto.OpsetImport) model.OpsetImports.Add(new OpsetImport(opset.Domain, opset.Version));
            GraphReader.AddMetadata(model.MetadataProps, proto.MetadataProps);
            foreach (var function in proto.Functions) model.Functions.Add(ReadFunction(function, context));
            if (checkOpsets) OpsetCheck.Run(model);

            proto.ClearIrVersion(); proto.OpsetImport.Clear(); proto.ClearProducerName(); proto.ClearProducerVersion();
            proto.ClearDomain(); proto.ClearModelVersion(); proto.ClearDocString(); proto.Graph = null; proto.MetadataProps.Clear();
            proto.Functions.Clear();
            if (ProtoResidual.Take(proto, "model", DiagnosticIds.InvalidGraph, ModelFields) is { } rest) model.OpaqueFields.Add(rest);
            return model;
        }
        catch
        {
            foreach (var r in resources) r.Dispose();
            throw;
        }
    }

    /// <summary>A FunctionProto is read as a graph whose inputs and outputs are the formal parameters.</summary>
    private static Function ReadFunction(FunctionProto proto, ImportContext context)
    {
        var where = $"function '{proto.Domain}::{proto.Name}'";
        var body = new GraphProto { Name = proto.Name };
        body.Input.AddRange(proto.Input.Select(n => new ValueInfoProto { Name = n }));
        body.Output.AddRange(proto.Output.Select(n => new ValueInfoProto { Name = n }));
        body.Node.AddRange(proto.Node);
        body.ValueInfo.AddRange(proto.ValueInfo);
        var function = new Function(proto.Domain, proto.Name, GraphReader.Read(body, null, context, where))
        {
            Overload = proto.Overload,
            DocString = proto.HasDocString ? proto.DocString : null,
        };
        function.AttributeNames.AddRange(proto.Attribute);
        foreach (var attribute in proto.AttributeProto)
        {
            function.AttributeDefaults.Add(AttributeReader.Read(attribute, where, new Scope(null), context));
        }
        foreach (var opset in proto.OpsetImport) function.OpsetImports.Add(new OpsetImport(opset.Domain, opset.Version));
        GraphReader.AddMetadata(function.MetadataProps, proto.MetadataProps);
        proto.ClearName(); proto.Input.Clear(); proto.Output.Clear(); proto.Attribute.Clear(); proto.Node.Clear(); proto.ClearDocString();
        proto.OpsetImport.Clear(); proto.ClearDomain(); proto.AttributeProto.Clear(); proto.ValueInfo.Clear(); proto.ClearOverload();
        proto.MetadataProps.Clear();
        ProtoResidual.Take(proto, where, DiagnosticIds.InvalidGraph, FunctionFields);
        return function;
    }
}
