using Onnxc.Ir;
using Onnxc.Ir.Inference;

namespace Onnxc.Tests.Inference;

public class DimMathTests
{
    [Fact]
    public void Symbols_add_to_a_sorted_sum_and_subtract_term_by_term()
    {
        Dim p = Dim.Named("past_sequence"), s = Dim.Named("sequence");
        var total = DimMath.Add(s, p);
        Assert.Equal("past_sequence + sequence", total.Symbol); // the order exporters name it, whatever the Add's order
        Assert.Equal(total, DimMath.Add(p, s));
        Assert.Equal(s, DimMath.Subtract(total, p));
        Assert.Equal(p, DimMath.Subtract(total, s));
        Assert.Equal(Dim.Of(0), DimMath.Subtract(total, total));
        Assert.Equal("a + a + b", DimMath.Add(DimMath.Add(Dim.Named("a"), Dim.Named("b")), Dim.Named("a")).Symbol);
        Assert.Equal("a + b", DimMath.Subtract(Dim.Named("a + a + b"), Dim.Named("a")).Symbol);
    }

    [Fact]
    public void What_is_not_a_sum_of_the_terms_is_unknown()
    {
        Assert.Equal(Dim.Unknown, DimMath.Subtract(Dim.Named("sequence"), Dim.Named("past_sequence")));
        Assert.Equal(Dim.Unknown, DimMath.Subtract(Dim.Named("sequence"), Dim.Of(1)));
        Assert.Equal(Dim.Unknown, DimMath.Add(Dim.Named("sequence"), Dim.Unknown));
        Assert.Equal(Dim.Unknown, DimMath.Add(Dim.Named("sequence"), Dim.Of(1)));
        Assert.Equal(Dim.Named("sequence"), DimMath.Add(Dim.Named("sequence"), Dim.Of(0)));
        Assert.Equal(Dim.Of(5), DimMath.Subtract(Dim.Of(7), Dim.Of(2)));
    }
}
