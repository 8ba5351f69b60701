using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Cleanup;

namespace Onnxc.Tests.Passes;

public class CleanupPassTests
{
    private static (Model Model, Value X) NewModel()
    {
        var graph = new Graph("g");
        var x = graph.AddInput(new Value("x", new TensorType(DataType.Float, Shape.Of(4))));
        var model = new Model(graph);
        model.OpsetImports.Add(new OpsetImport("", 17));
        return (model, x);
    }

    [Fact]
    public void Dead_code_goes_and_live_code_stays()
    {
        var (model, x) = NewModel();
        var graph = model.Graph;
        var unused = graph.AddInitializer("unused", Tensor.Vector(1f, 2f, 3f, 4f));
        var deadAdd = graph.Append("Add", new[] { x, unused });
        graph.Append("Relu", new[] { deadAdd.Output() });
        var live = graph.Append("Neg", new[] { x });
        graph.AddOutput(live.Output());

        var result = new EliminateDeadCode().Run(model, new PassContext());

        Assert.True(result.Changed);
        Assert.Equal(2, result.Counts["removed-nodes"]);
        Assert.Equal(1, result.Counts["removed-initializers"]);
        Assert.Equal(new[] { "Neg" }, graph.Nodes.Select(n => n.OpType));
        Assert.Empty(graph.Initializers);
        Assert.Single(x.Uses);
    }

    [Fact]
    public void Dead_code_in_a_branch_releases_its_outer_reads()
    {
        var (model, x) = NewModel();
        var graph = model.Graph;
        var cond = graph.AddInput(new Value("cond", new TensorType(DataType.Bool, Shape.Scalar)));
        var thenBranch = new Graph("then");
        thenBranch.Append("Sqrt", new[] { x }); // dead inside the branch, reads the outer x
        var keep = thenBranch.Append("Abs", new[] { x });
        thenBranch.AddOutput(keep.Output());
        var elseBranch = new Graph("else");
        var other = elseBranch.Append("Neg", new[] { x });
        elseBranch.AddOutput(other.Output());
        var branch = graph.Append("If", new[] { cond }, attributes: new[] { Attribute.FromGraph("then_branch", thenBranch), Attribute.FromGraph("else_branch", elseBranch) });
        graph.AddOutput(branch.Output());

        new EliminateDeadCode().Run(model, new PassContext());

        Assert.Equal(new[] { "Abs" }, thenBranch.Nodes.Select(n => n.OpType));
        Assert.Equal(2, x.Uses.Count);
    }

    [Fact]
    public void Identity_is_bypassed_but_a_graph_output_keeps_its_name()
    {
        var (model, x) = NewModel();
        var graph = model.Graph;
        var relu = graph.Append("Relu", new[] { x }, outputHint: "r");
        var id1 = graph.Append("Identity", new[] { relu.Output() }, outputHint: "mid");
        var neg = graph.Append("Neg", new[] { id1.Output() });
        var id2 = graph.Append("Identity", new[] { neg.Output() }, outputHint: "y");
        graph.AddOutput(id2.Output());

        var runs = new PassManager(Pipelines.ForLevel(1)).Run(model);

        Assert.Equal(new[] { "Relu", "Neg" }, graph.Nodes.Select(n => n.OpType));
        Assert.Equal("y", graph.Outputs[0].Name);
        Assert.Same(neg.Output(), graph.Outputs[0]);
        Assert.Contains(runs, r => r.Pass == "remove-identity" && r.Result.Changed);
    }

    [Fact]
    public void Identity_from_a_graph_input_to_a_graph_output_stays()
    {
        var (model, x) = NewModel();
        var id = model.Graph.Append("Identity", new[] { x }, outputHint: "y");
        model.Graph.AddOutput(id.Output());

        var result = new RemoveIdentity().Run(model, new PassContext());

        Assert.False(result.Changed);
        Assert.Single(model.Graph.Nodes);
    }

    [Fact]
    public void Second_run_of_the_cleanup_pipeline_changes_nothing()
    {
        var (model, x) = NewModel();
        var graph = model.Graph;
        var id = graph.Append("Identity", new[] { x });
        var relu = graph.Append("Relu", new[] { id.Output() });
        graph.Append("Exp", new[] { relu.Output() });
        graph.AddOutput(relu.Output());
        new PassManager(Pipelines.ForLevel(1)).Run(model);

        var second = new PassManager(Pipelines.ForLevel(1)).Run(model);

        Assert.All(second, r => Assert.False(r.Result.Changed));
    }

    [Fact]
    public void Unknown_pass_name_is_a_diagnostic()
    {
        var error = Assert.Throws<OnnxcException>(() => Pipelines.FromNames(new[] { "fuse-everything" }));
        Assert.Equal(DiagnosticIds.UnknownPass, error.Diagnostic.Id);
        Assert.Contains("fuse-everything", error.Message);
    }
}

public class CommonSubexpressionTests
{
    [Fact]
    public void Identical_nodes_and_constants_merge_but_different_attributes_do_not()
    {
        var graph = new Graph("g");
        var x = graph.AddInput(new Value("x", new TensorType(DataType.Float, Shape.Of(2, 3))));
        var c1 = graph.AddInitializer("c1", Tensor.Vector(2f, 2f, 2f));
        var c2 = graph.AddInitializer("c2", Tensor.Vector(2f, 2f, 2f));
        var a = graph.Append("Mul", new[] { x, c1 });
        var b = graph.Append("Mul", new[] { x, c2 });
        var s1 = graph.Append("Softmax", new[] { x }, attributes: new[] { Attribute.Int("axis", 1) });
        var s2 = graph.Append("Softmax", new[] { x }, attributes: new[] { Attribute.Int("axis", 0) });
        var sum = graph.Append("Sum", new[] { a.Output(), b.Output(), s1.Output(), s2.Output() });
        graph.AddOutput(sum.Output());
        var model = new Model(graph);

        var result = new EliminateCommonSubexpressions().Run(model, new PassContext());

        Assert.Equal(1, result.Counts["merged-initializers"]);
        Assert.Equal(1, result.Counts["merged-nodes"]);
        Assert.Same(sum.Input(0), sum.Input(1));
        Assert.NotSame(sum.Input(2), sum.Input(3));
        Assert.False(new EliminateCommonSubexpressions().Run(model, new PassContext()).Changed);
    }
}
