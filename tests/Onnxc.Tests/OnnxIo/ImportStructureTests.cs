using Onnxc.Backends.Onnx;
using Onnxc.Backends.Onnx.Protos;
using Onnxc.Ir;

namespace Onnxc.Tests.OnnxIo;

public class ImportStructureTests
{
    private static Model Load(ModelProto proto) => OnnxImporter.Load(proto.Bytes(), null);

    [Fact]
    public void Unsorted_graph_is_sorted_on_import()
    {
        var proto = ProtoModels.Chain();
        var nodes = proto.Graph.Node.Reverse().ToList();
        proto.Graph.Node.Clear();
        proto.Graph.Node.AddRange(nodes);
        using var model = Load(proto);
        Assert.Equal(new[] { "Relu", "Neg" }, model.Graph.Nodes.Select(n => n.OpType));
    }

    [Fact]
    public void Subgraph_reads_outer_values_and_its_own_definitions_shadow_them()
    {
        // y = If(c) then { r2 = Neg(r) -> r2 } else { r = Abs(x) (shadows outer r) -> r }
        var proto = ProtoModels.Chain();
        var graph = proto.Graph;
        graph.Input.Add(new ValueInfoProto { Name = "c", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 9 } } });
        var thenBranch = new GraphProto { Name = "then" };
        thenBranch.Node.Add(ProtoModels.Node("Neg", new[] { "r" }, new[] { "r2" }));
        thenBranch.Output.Add(ProtoModels.Float("r2", 2));
        var elseBranch = new GraphProto { Name = "else" };
        elseBranch.Node.Add(ProtoModels.Node("Abs", new[] { "x" }, new[] { "r" }));
        elseBranch.Output.Add(ProtoModels.Float("r", 2));
        var ifNode = ProtoModels.Node("If", new[] { "c" }, new[] { "z" }, "if");
        ifNode.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = thenBranch });
        ifNode.Attribute.Add(new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = elseBranch });
        // Put the If first: it reads r (made by Relu) from inside its branch, so sorting must move it after Relu.
        graph.Node.Insert(0, ifNode);
        graph.Output.Add(ProtoModels.Float("z", 2));

        using var model = Load(proto);
        var nodes = model.Graph.Nodes.ToList();
        var relu = nodes.Single(n => n.OpType == "Relu");
        var ifIr = nodes.Single(n => n.OpType == "If");
        Assert.True(nodes.IndexOf(relu) < nodes.IndexOf(ifIr));
        var neg = ifIr.GetAttribute("then_branch")!.AsGraph().Nodes.Single();
        Assert.Same(relu.Output(), neg.Input(0));
        var abs = ifIr.GetAttribute("else_branch")!.AsGraph().Nodes.Single();
        Assert.NotSame(relu.Output(), abs.Output());
        Assert.Same(abs.Output(), ifIr.GetAttribute("else_branch")!.AsGraph().Outputs[0]);

        // On export the shadowing name is renamed so the file has unique names; the outer 'r' keeps its name.
        var bytes = OnnxExporter.ToBytes(model);
        var written = ModelProto.Parser.ParseFrom(bytes);
        var writtenIf = written.Graph.Node.Single(n => n.OpType == "If");
        Assert.Equal("r_1", writtenIf.Attribute.Single(a => a.Name == "else_branch").G.Output[0].Name);
        Assert.Contains(written.Graph.Node, n => n.OpType == "Relu" && n.Output[0] == "r");
    }

    [Fact]
    public void Duplicate_names_left_by_passes_are_renamed_but_interface_names_stay()
    {
        var graph = new Graph("g");
        var x = graph.AddInput(new Value("x", new TensorType(DataType.Float, Shape.Of(2))));
        var a = graph.Append("Relu", new[] { x }, outputHint: "y");
        var b = graph.Append("Neg", new[] { a.Output() }, outputHint: "y");
        graph.AddOutput(b.Output());
        a.Output().Name = "y";
        using var model = new Model(graph);
        model.OpsetImports.Add(new OpsetImport("", 17));

        var written = ModelProto.Parser.ParseFrom(OnnxExporter.ToBytes(model));
        Assert.Equal("y", written.Graph.Output[0].Name);
        Assert.Equal("y", written.Graph.Node[1].Output[0]);
        Assert.Equal("y_1", written.Graph.Node[0].Output[0]);
        Assert.Equal("y_1", written.Graph.Node[1].Input[0]);
        Assert.Equal("y", model.Graph.Nodes.First().Output().Name); // the model itself is untouched
    }

    [Fact]
    public void Initializer_that_is_also_an_input_and_opaque_fields_round_trip()
    {
        var w = new TensorProto { Name = "w", DataType = 1, RawData = Google.Protobuf.ByteString.CopyFrom(new byte[8]) };
        w.Dims.Add(2);
        w.MetadataProps.Add(new StringStringEntryProto { Key = "k", Value = "v" });
        var proto = ProtoModels.WithInitializer(w);
        proto.Graph.Input.Add(ProtoModels.Float("w", 2));
        proto.Graph.QuantizationAnnotation.Add(new TensorAnnotation { TensorName = "w" });
        proto.TrainingInfo.Add(new TrainingInfoProto { Algorithm = new GraphProto { Name = "train" } });
        proto.Graph.Node[0].DeviceConfigurations.Add(new NodeDeviceConfigurationProto { ConfigurationId = "dev0" });
        proto.Functions.Add(new FunctionProto { Name = "F", Domain = "local", Input = { "a" }, Output = { "b" }, Node = { ProtoModels.Node("Relu", new[] { "a" }, new[] { "b" }) } });

        using var model = Load(proto);
        var value = model.Graph.Initializers.Single();
        Assert.True(value.IsGraphInput);
        Assert.Single(model.Functions);
        var written = ModelProto.Parser.ParseFrom(OnnxExporter.ToBytes(model));
        Assert.Equal("w", written.Graph.Input[1].Name);
        Assert.Equal("k", written.Graph.Initializer[0].MetadataProps.Single().Key);
        Assert.Equal("w", written.Graph.QuantizationAnnotation.Single().TensorName);
        Assert.Equal("train", written.TrainingInfo.Single().Algorithm.Name);
        Assert.Equal("dev0", written.Graph.Node[0].DeviceConfigurations.Single().ConfigurationId);
        Assert.Equal("F", written.Functions.Single().Name);
        Assert.Equal(new[] { "a" }, written.Functions.Single().Input);
    }
}
