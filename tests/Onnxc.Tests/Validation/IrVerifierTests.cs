using System.Diagnostics;
using Onnxc.Ir;
using Onnxc.Ir.Text;
using Onnxc.Ir.Validation;

namespace Onnxc.Tests.Validation;

public class IrVerifierTests
{
    private static readonly TensorType F32 = new(DataType.Float, Shape.Of(2));

    private static (Graph Graph, Value X, Node Relu, Node Neg) Chain()
    {
        var graph = new Graph("g");
        var x = graph.AddInput(new Value("x", F32));
        var relu = graph.Append("Relu", new[] { x }, name: "relu");
        var neg = graph.Append("Neg", new[] { relu.Output() }, name: "neg");
        graph.AddOutput(neg.Output());
        return (graph, x, relu, neg);
    }

    private static Diagnostic Single(IReadOnlyList<Diagnostic> diagnostics, string id)
    {
        Assert.True(diagnostics.Count == 1, "expected one diagnostic, got:\n" + string.Join("\n", diagnostics));
        Assert.Equal(id, diagnostics[0].Id);
        return diagnostics[0];
    }

    [Fact]
    public void Valid_graph_with_subgraph_reading_outer_values_has_no_diagnostics()
    {
        var graph = IrParser.ParseGraph("""
            graph g (%x: f32[2], %c: bool[]) {
              %r = Relu(%x)
              %y = If(%c) {
                then_branch = graph () {
                  %n = Neg(%r)
                  return %n
                },
                else_branch = graph () {
                  return %x
                }
              }
              return %y
            }
            """);
        Assert.Empty(IrVerifier.Verify(graph));
        IrVerifier.VerifyOrThrow(graph);
    }

    [Fact]
    public void Input_from_another_graph_is_undefined()
    {
        var (graph, _, relu, _) = Chain();
        var stranger = new Graph("other").AddInput(new Value("stranger", F32));
        relu.ReplaceInput(0, stranger);
        var d = Single(IrVerifier.Verify(graph), DiagnosticIds.UndefinedValue);
        Assert.Contains("%stranger", d.Message);
        Assert.Contains("Relu 'relu'", d.Message);
    }

    [Fact]
    public void Read_before_producer_is_reported_as_order_violation()
    {
        var (graph, _, relu, _) = Chain();
        graph.InsertBefore(relu, new Node("Neg", new[] { relu.Output() }, new[] { "early" }, name: "early"));
        var d = Single(IrVerifier.Verify(graph), DiagnosticIds.GraphCycle);
        Assert.Contains("%relu of Neg 'early'", d.Message);
        Assert.Contains("topological", d.Message);
    }

    [Fact]
    public void Outer_value_produced_after_the_parent_node_is_reported()
    {
        var graph = IrParser.ParseGraph("""
            graph g (%x: f32[2], %c: bool[]) {
              %y = If(%c) {
                then_branch = graph () {
                  return %late
                },
                else_branch = graph () {
                  return %x
                }
              }
              %late = Relu(%x)
              return %y
            }
            """);
        var d = Single(IrVerifier.Verify(graph), DiagnosticIds.GraphCycle);
        Assert.Contains("%late", d.Message);
        Assert.Contains("after the node holding this subgraph", d.Message);
    }

    [Fact]
    public void Extra_use_list_entry_is_detected()
    {
        var (graph, x, _, neg) = Chain();
        x.AddUse(neg, 0);
        var diagnostics = IrVerifier.Verify(graph);
        Assert.Contains(diagnostics, d => d.Message.Contains("use list of %x names input 0 of Neg 'neg'"));
    }

    [Fact]
    public void Missing_use_list_entry_is_detected()
    {
        var (graph, x, relu, _) = Chain();
        x.RemoveUse(relu, 0);
        var d = Single(IrVerifier.Verify(graph), DiagnosticIds.InvalidGraph);
        Assert.Contains("%x is read by 1 node inputs but its use list records 0", d.Message);
    }

    [Fact]
    public void Use_by_a_node_outside_the_graph_is_detected()
    {
        var (graph, x, _, _) = Chain();
        _ = new Node("Sigmoid", new[] { x }, new[] { "detached" }, name: "never_added");
        var d = Single(IrVerifier.Verify(graph), DiagnosticIds.InvalidGraph);
        Assert.Contains("Sigmoid 'never_added'", d.Message);
    }

    [Fact]
    public void Node_in_two_graphs_is_detected()
    {
        var (graph, _, relu, _) = Chain();
        var body = new Graph("body");
        graph.Append("If", Array.Empty<Value>(), attributes: [Attribute.FromGraph("then_branch", body)], name: "if");
        relu.Graph = null;
        body.Append(relu);
        var diagnostics = IrVerifier.Verify(graph);
        Assert.Contains(diagnostics, d => d.Message.Contains("node Relu 'relu' has Graph graph 'body' but is listed in graph 'g'"));
        Assert.Contains(diagnostics, d => d.Message.Contains("node Relu 'relu' appears twice"));
    }

    [Fact]
    public void Wrong_subgraph_parent_is_detected()
    {
        var (graph, _, _, _) = Chain();
        var body = new Graph("body");
        graph.Append("If", Array.Empty<Value>(), attributes: [Attribute.FromGraph("then_branch", body)], name: "if");
        body.ParentNode = null;
        var d = Single(IrVerifier.Verify(graph), DiagnosticIds.InvalidGraph);
        Assert.Contains("graph 'body' has ParentNode none but is held by If 'if'", d.Message);
    }

    [Fact]
    public void Undefined_graph_output_is_detected()
    {
        var (graph, _, _, _) = Chain();
        graph.AddOutput(new Value("ghost"));
        var d = Single(IrVerifier.Verify(graph), DiagnosticIds.UndefinedValue);
        Assert.Contains("graph output 1 %ghost", d.Message);
    }

    [Fact]
    public void Value_defined_twice_is_detected()
    {
        var (graph, x, _, _) = Chain();
        graph.AddInput(x);
        var d = Single(IrVerifier.Verify(graph), DiagnosticIds.InvalidGraph);
        Assert.Contains("value %x is defined twice", d.Message);
    }

    [Fact]
    public void Duplicate_value_names_are_a_warning()
    {
        var (graph, x, _, _) = Chain();
        graph.Append("Abs", new[] { x }, outputHint: "x");
        var d = Single(IrVerifier.Verify(graph), DiagnosticIds.DuplicateValueName);
        Assert.Equal(Severity.Warning, d.Severity);
        Assert.Contains("'x'", d.Message);
        IrVerifier.VerifyOrThrow(graph);
    }

    [Fact]
    public void VerifyOrThrow_carries_the_first_error()
    {
        var (graph, _, _, _) = Chain();
        graph.AddOutput(new Value("ghost"));
        graph.AddOutput(new Value("ghost2"));
        var error = Assert.Throws<OnnxcException>(() => IrVerifier.VerifyOrThrow(graph));
        Assert.Equal(DiagnosticIds.UndefinedValue, error.Diagnostic.Id);
        Assert.Contains("%ghost", error.Message);
        Assert.Contains("and 1 more", error.Message);
    }

    [Fact]
    public void Function_bodies_are_verified()
    {
        var model = IrParser.ParseModel("""
            model {
              ir_version 10
              opset_import {"": 21}
            }
            graph g () {
              return
            }
            function local::F (%a) {
              %b = Relu(%a)
              return %b
            }
            """);
        Assert.Empty(IrVerifier.Verify(model));
        model.Functions[0].Body.AddOutput(new Value("missing"));
        var d = Single(IrVerifier.Verify(model), DiagnosticIds.UndefinedValue);
        Assert.Contains("function local::F", d.Location);
    }

    [Fact]
    public void Large_graph_with_wide_fanout_verifies_clean()
    {
        // 200k nodes all reading one shared initializer: a quadratic use-list check would take minutes.
        var graph = new Graph("big");
        var x = graph.AddInput(new Value("x", F32));
        var shared = graph.AddInitializer("shared", Tensor.Vector(1f, 2f));
        var current = x;
        for (int i = 0; i < 200_000; i++) current = graph.Append("Add", new[] { current, shared }, outputHint: "v" + i).Output();
        graph.AddOutput(current);
        var clock = Stopwatch.StartNew();
        var diagnostics = IrVerifier.Verify(graph);
        clock.Stop();
        Assert.Empty(diagnostics);
        // Timing is reported, not asserted (speed belongs to benchmarks).
        TestContext.Current.TestOutputHelper?.WriteLine($"verified 200k nodes in {clock.ElapsedMilliseconds} ms");
    }
}
