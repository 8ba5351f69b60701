using System.Collections;

namespace Onnxc.Ir;

/// <summary>An immutable list of dimensions, compared by value.</summary>
public sealed class Shape : IReadOnlyList<Dim>, IEquatable<Shape>
{
    private readonly Dim[] _dims;

    public Shape(IEnumerable<Dim> dims) => _dims = dims.ToArray();

    public static Shape Of(params long[] dims) => new(dims.Select(Dim.Of));

    public static readonly Shape Scalar = new(Array.Empty<Dim>());

    public int Rank => _dims.Length;

    public int Count => _dims.Length;

    public Dim this[int index] => _dims[index];

    public bool IsStatic => _dims.All(d => d.IsStatic);

    /// <summary>The sizes when every dimension is known; otherwise null.</summary>
    public long[]? StaticDims => IsStatic ? _dims.Select(d => d.Value!.Value).ToArray() : null;

    /// <summary>Number of elements when static.</summary>
    public long? ElementCount => IsStatic ? _dims.Aggregate(1L, (acc, d) => acc * d.Value!.Value) : null;

    public IEnumerator<Dim> GetEnumerator() => ((IEnumerable<Dim>)_dims).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _dims.GetEnumerator();

    public bool Equals(Shape? other) => other is not null && _dims.SequenceEqual(other._dims);

    public override bool Equals(object? obj) => Equals(obj as Shape);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var d in _dims) hash.Add(d);
        return hash.ToHashCode();
    }

    public override string ToString() => "[" + string.Join(",", _dims.Select(d => d.ToString())) + "]";
}
