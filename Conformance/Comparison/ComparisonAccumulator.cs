using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Onnxc.Ir;

namespace Onnxc.Conformance;

/// <summary>
/// Accumulates the agreement of one output over several samples (and over sequence elements), then yields an
/// <see cref="OutputComparison"/>. Sums are in float64 so long outputs do not lose the small errors.
/// </summary>
public sealed class ComparisonAccumulator(string name, Tolerance tolerance, bool shapeOnly = false)
{
    /// <summary>Floor on the denominator of the relative error, so zeros in the reference do not blow it up.</summary>
    public const double RelativeErrorFloor = 1e-6;

    private string? _reason;
    private string? _elementType;
    private IReadOnlyList<long>? _shape;
    private bool _exactMode;
    private int _samples;
    private long _elements, _mismatches, _nan, _inf, _finite;
    private double _maxAbs, _maxRel, _sumAbs, _dot, _normActual, _normExpected;
    private long _rows, _rowsAgreeing;
    private bool _isLogits = true;
    private bool _bitIdentical = true;

    /// <summary>Adds one sample: the reference value and the candidate's value (null: optional holding nothing).</summary>
    public void Add(RuntimeValue? expected, RuntimeValue? actual)
    {
        _samples++;
        AddValue(expected, actual, "");
    }

    private void AddValue(RuntimeValue? expected, RuntimeValue? actual, string where)
    {
        switch (expected, actual)
        {
            case (null, null):
                return;
            case (null, _) or (_, null):
                Fail($"{where}reference is {expected?.Describe() ?? "empty optional"} but candidate is {actual?.Describe() ?? "empty optional"}");
                return;
            case (TensorValue e, TensorValue a):
                AddTensor(e.Tensor, a.Tensor, where);
                return;
            case (SequenceValue e, SequenceValue a):
                if (e.Elements.Count != a.Elements.Count)
                {
                    Fail($"{where}sequence length {a.Elements.Count} != {e.Elements.Count}");
                    return;
                }
                for (int i = 0; i < e.Elements.Count; i++) AddValue(e.Elements[i], a.Elements[i], $"{where}[{i}] ");
                return;
            default:
                Fail($"{where}reference is {expected.Describe()} but candidate is {actual.Describe()}");
                return;
        }
    }

    private void AddTensor(Tensor expected, Tensor actual, string where)
    {
        _elementType ??= expected.ElementType.ShortName();
        _shape ??= expected.Dims;
        if (expected.ElementType != actual.ElementType)
        {
            Fail($"{where}type {actual.ElementType.ShortName()} != {expected.ElementType.ShortName()}");
            return;
        }
        if (!expected.Dims.SequenceEqual(actual.Dims))
        {
            Fail($"{where}shape [{string.Join(",", actual.Dims)}] != [{string.Join(",", expected.Dims)}]");
            return;
        }
        _elements += expected.ElementCount;
        if (shapeOnly) return;
        bool identical = expected.ContentEquals(actual);
        _bitIdentical &= identical;
        if (expected is StringTensor es)
        {
            _exactMode = true;
            var actualStrings = ((StringTensor)actual).Strings;
            long differing = es.Strings.Where((s, i) => !s.AsSpan().SequenceEqual(actualStrings[i])).LongCount();
            RecordMismatches(differing, where, "strings differ");
            return;
        }
        if (!TensorElements.IsNumeric(expected.ElementType))
        {
            _exactMode = true;
            if (!identical) RecordMismatches(Math.Max(1, expected.ElementCount), where, $"{expected.ElementType.ShortName()} bytes differ");
            return;
        }
        var e = TensorElements.ToDoubles(expected);
        var a = TensorElements.ToDoubles(actual);
        bool isFloat = expected.ElementType.IsFloatingPoint();
        if (isFloat) AddFloat(e, a, where);
        else
        {
            _exactMode = true;
            AddExactNumbers(expected, actual, e, a, where);
        }
        _isLogits &= isFloat && expected.Rank >= 2 && expected.Dims[^1] >= 2;
        if (_isLogits) AddTop1(e, a, (int)expected.Dims[^1]);
    }

    private void AddFloat(double[] e, double[] a, string where)
    {
        long mismatches = 0, nan = 0, inf = 0;
        bool allFinite = true;
        for (int i = 0; i < e.Length; i++)
        {
            if (!tolerance.IsClose(a[i], e[i])) mismatches++;
            if (double.IsFinite(e[i]) && double.IsFinite(a[i])) continue;
            allFinite = false;
            if (double.IsNaN(e[i]) != double.IsNaN(a[i])) nan++;
            else if (!double.IsNaN(e[i]) && e[i] != a[i]) inf++;
        }
        _nan += nan;
        _inf += inf;
        if (!allFinite)
        {
            var finite = Enumerable.Range(0, e.Length).Where(i => double.IsFinite(e[i]) && double.IsFinite(a[i])).ToArray();
            e = finite.Select(i => e[i]).ToArray();
            a = finite.Select(i => a[i]).ToArray();
        }
        AddErrorSums(e, a);
        var nonFinite = nan + inf > 0 ? $" ({nan} NaN and {inf} Inf disagreements)" : "";
        RecordMismatches(mismatches, where, $"outside {tolerance}{nonFinite}");
    }

    private void AddExactNumbers(Tensor expected, Tensor actual, double[] e, double[] a, string where)
    {
        // Compare element bytes, not doubles: int64 values above 2^53 would round to equal doubles.
        int width = expected.ElementType.BitWidth() / 8;
        var eb = expected.Bytes.Span;
        var ab = actual.Bytes.Span;
        long mismatches = 0;
        for (int i = 0; i < e.Length; i++)
        {
            if (!eb.Slice(i * width, width).SequenceEqual(ab.Slice(i * width, width))) mismatches++;
        }
        AddErrorSums(e, a);
        RecordMismatches(mismatches, where, "values differ");
    }

    private void AddErrorSums(double[] e, double[] a)
    {
        if (e.Length == 0) return;
        var diff = new double[e.Length];
        TensorPrimitives.Subtract(a, e, diff);
        TensorPrimitives.Abs(diff, diff);
        _maxAbs = Math.Max(_maxAbs, TensorPrimitives.Max(diff));
        _sumAbs += TensorPrimitives.Sum(diff);
        var denominator = new double[e.Length];
        TensorPrimitives.Abs(e, denominator);
        TensorPrimitives.Max(denominator, RelativeErrorFloor, denominator);
        TensorPrimitives.Divide(diff, denominator, diff);
        _maxRel = Math.Max(_maxRel, TensorPrimitives.Max(diff));
        _dot += TensorPrimitives.Dot(a, e);
        _normActual += TensorPrimitives.SumOfSquares(a);
        _normExpected += TensorPrimitives.SumOfSquares(e);
        _finite += e.Length;
    }

    private void AddTop1(double[] e, double[] a, int classes)
    {
        for (int row = 0; row + classes <= e.Length; row += classes)
        {
            _rows++;
            if (TensorPrimitives.IndexOfMax(e.AsSpan(row, classes)) == TensorPrimitives.IndexOfMax(a.AsSpan(row, classes))) _rowsAgreeing++;
        }
    }

    private void RecordMismatches(long count, string where, string what)
    {
        if (count == 0) return;
        _mismatches += count;
        _reason ??= $"{where}{count} elements {what}".Trim();
    }

    private void Fail(string reason)
    {
        _bitIdentical = false;
        _reason ??= reason;
        _mismatches = Math.Max(_mismatches, 1);
    }

    /// <summary>The comparison over everything added so far.</summary>
    public OutputComparison Result()
    {
        double cosine = _normActual == 0 && _normExpected == 0 ? 1
            : _normActual == 0 || _normExpected == 0 ? 0
            : _dot / (Math.Sqrt(_normActual) * Math.Sqrt(_normExpected));
        return new OutputComparison
        {
            Name = name,
            Passed = _reason is null,
            Reason = _reason,
            ElementType = _elementType,
            Shape = _shape,
            Mode = shapeOnly ? "shape-only" : _exactMode ? "exact" : "tolerance",
            Samples = _samples,
            ElementCount = _elements,
            MismatchCount = _mismatches,
            MaxAbsError = _maxAbs,
            MaxRelError = _maxRel,
            MeanAbsError = _finite == 0 ? 0 : _sumAbs / _finite,
            CosineSimilarity = cosine,
            NanMismatches = _nan,
            InfMismatches = _inf,
            Top1Agreement = _isLogits && _rows > 0 ? (double)_rowsAgreeing / _rows : null,
            BitIdentical = _bitIdentical && _samples > 0,
        };
    }
}
