using Onnxc.Ir;
using Onnxc.Ir.Inference;

namespace Onnxc.Tests.Inference;

public class ConstantValuesTests
{
    private static string Elements(KnownTensor? t) => t is null ? "(unknown)" : string.Join(",", t.Elements.Select(e => e.ToString()));

    [Fact]
    public void Shape_Gather_Unsqueeze_Concat_propagates_symbols_and_numbers()
    {
        var f = new InferenceFixture();
        var x = f.Input("x", "batch", 128, 768);
        var shape = f.Op("Shape", x);
        var batch = f.Op("Gather", shape.Output(), f.Scalar("zero", 0));
        var seq = f.Op("Gather", shape.Output(), f.Scalar("one", 1));
        var ub = f.Op("Unsqueeze", batch.Output(), f.Ints("axes", 0));
        var us = f.Op("Unsqueeze", seq.Output(), f.Ints("axes2", 0));
        var concat = f.Op("Concat", new Value?[] { ub.Output(), us.Output(), f.Ints("heads", 12, 64) }, Attribute.Int("axis", 0));
        f.RunClean();
        var constants = new ConstantValues();
        Assert.Equal("batch,128,12,64", Elements(constants.TryGet(concat.Output())));
        Assert.Null(constants.TryGetInt64s(concat.Output()));
        Assert.Equal(128, constants.TryGetScalar(seq.Output()));
        Assert.Equal(new long[] { 1 }, constants.TryGet(us.Output())!.Dims);
    }

    [Fact]
    public void Arithmetic_on_shape_values()
    {
        var f = new InferenceFixture();
        var x = f.Input("x", "batch", 128, 768);
        var shape = f.Op("Shape", x);
        var tail = f.Op("Slice", shape.Output(), f.Ints("s", -2), f.Ints("e", long.MaxValue));
        var product = f.Op("Mul", tail.Output(), f.Ints("k", 2, 1));
        var divided = f.Op("Div", product.Output(), f.Scalar("d", 4));
        var symbolic = f.Op("Mul", shape.Output(), f.Scalar("one", 1));
        var sub = f.Op("Sub", shape.Output(), shape.Output());
        var cast = f.Op("Cast", new Value?[] { divided.Output() }, Attribute.Int("to", (long)DataType.Int32));
        f.RunClean();
        var constants = new ConstantValues();
        Assert.Equal(new long[] { 256, 768 }, constants.TryGetInt64s(product.Output()));
        Assert.Equal(new long[] { 64, 192 }, constants.TryGetInt64s(divided.Output()));
        Assert.Equal("batch,128,768", Elements(constants.TryGet(symbolic.Output())));
        Assert.Equal(new long[] { 0, 0, 0 }, constants.TryGetInt64s(sub.Output()));
        Assert.Equal(DataType.Int32, constants.TryGet(cast.Output())!.ElementType);
    }

    [Fact]
    public void Torch_expand_minus_one_keeps_the_batch_symbol()
    {
        // torch.onnx writes expand(B, -1, 1) as Expand(x, Where(Equal(size, -1), 1, size)): a dim is never
        // negative, so Equal(batch, -1) is false and the Where keeps the symbol.
        var f = new InferenceFixture();
        var x = f.Input("x", "batch", 7);
        var batch = f.Op("Unsqueeze", f.Op("Gather", f.Op("Shape", x).Output(), f.Scalar("zero", 0)).Output(), f.Ints("axes", 0));
        var size = f.Op("Concat", new Value?[] { batch.Output(), f.Ints("minus", -1), f.Ints("one", 1) }, Attribute.Int("axis", 0));
        var isMinus = f.Op("Equal", size.Output(), f.Ints("minuses", -1, -1, -1));
        var where = f.Op("Where", isMinus.Output(), f.Ints("ones", 1, 1, 1), size.Output());
        var below = f.Op("Less", f.Ints("m2", -2), batch.Output());
        var above = f.Op("GreaterOrEqual", f.Ints("m3", -3), batch.Output());
        f.RunClean();
        var constants = new ConstantValues();
        Assert.Equal("0,1,0", Elements(constants.TryGet(isMinus.Output())));
        Assert.Equal("batch,1,1", Elements(constants.TryGet(where.Output())));
        Assert.Equal("1", Elements(constants.TryGet(below.Output())));
        Assert.Equal("0", Elements(constants.TryGet(above.Output())));
    }

    [Fact]
    public void Range_Squeeze_Equal_Where_and_Constant()
    {
        var f = new InferenceFixture();
        var range = f.Op("Range", f.Scalar("a", 0), f.Scalar("b", 5), f.Scalar("c", 2));
        var vec = f.Op("Constant", Array.Empty<Value?>(), Attribute.Ints("value_ints", 7));
        var squeezed = f.Op("Squeeze", vec.Output(), f.Ints("axes", 0));
        var equal = f.Op("Equal", range.Output(), f.Scalar("two", 2));
        var where = f.Op("Where", equal.Output(), f.Scalar("minus", -1), range.Output());
        f.RunClean();
        var constants = new ConstantValues();
        Assert.Equal(new long[] { 0, 2, 4 }, constants.TryGetInt64s(range.Output()));
        Assert.Equal(7, constants.TryGetScalar(squeezed.Output()));
        Assert.Empty(constants.TryGet(squeezed.Output())!.Dims);
        Assert.Equal(new long[] { 0, 1, 0 }, constants.TryGetInt64s(equal.Output()));
        Assert.Equal(new long[] { 0, -1, 4 }, constants.TryGetInt64s(where.Output()));
    }

    [Fact]
    public void Tensors_above_the_size_limit_and_overridable_initializers_are_not_constant()
    {
        var f = new InferenceFixture();
        var big = f.Graph.AddInitializer("big", Tensor.FromArray(new long[2000], 2000));
        var small = f.Ints("small", 1, 2);
        var overridable = f.Ints("overridable", 3, 4);
        f.Graph.MarkInitializerAsInput(overridable);
        var constants = new ConstantValues(maxElements: 1024);
        Assert.Null(constants.TryGet(big));
        Assert.Equal(new long[] { 1, 2 }, constants.TryGetInt64s(small));
        Assert.Null(constants.TryGet(overridable));
        Assert.NotNull(new ConstantValues(maxElements: 4096).TryGet(big));
    }

    [Fact]
    public void Float_tensors_are_not_integer_constants_but_scalars_can_be_read()
    {
        var f = new InferenceFixture();
        var floats = f.Graph.AddInitializer("f", Tensor.Scalar(2.5f));
        Assert.Null(new ConstantValues().TryGet(floats));
        Assert.Equal(2.5, ConstantValues.TryGetScalarDouble(floats));
    }
}
