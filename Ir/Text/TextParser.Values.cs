using System.Buffers.Binary;
using System.Globalization;

namespace Onnxc.Ir.Text;

/// <summary>Types, attributes and tensor literals.</summary>
internal sealed partial class TextParser
{
    private IrType ParseType()
    {
        var t = Peek();
        if (t.Kind != TokenKind.Ident) throw Expected("a type (f32[2,3], seq<...>, map<...>, optional<...>, sparse<...>, opaque<...>)");
        Next();
        IrType type;
        switch (t.Text)
        {
            case "seq":
                Expect("<");
                type = new SequenceType(ParseOptionalType());
                Expect(">");
                break;
            case "optional":
                Expect("<");
                type = new OptionalType(ParseOptionalType());
                Expect(">");
                break;
            case "map":
                Expect("<");
                var key = ParseElementType();
                Expect(",");
                type = new MapType(key, ParseOptionalType());
                Expect(">");
                break;
            case "sparse":
                Expect("<");
                var element = ParseElementType();
                type = new SparseTensorType(element, Peek().IsPunct("[") ? ParseShape() : null);
                Expect(">");
                break;
            case "opaque":
                Expect("<");
                var domain = ExpectString("the opaque type's domain");
                Expect(",");
                type = new OpaqueType(domain, ExpectString("the opaque type's name"));
                Expect(">");
                break;
            default:
                if (!DataTypes.TryParseShortName(t.Text, out var dataType)) throw Error(t, $"unknown type '{t.Text}' (element types are f32, i64, bf16, ...)");
                type = new TensorType(dataType, Peek().IsPunct("[") ? ParseShape() : null);
                break;
        }
        if (Accept("@")) type = type with { Denotation = ExpectString("a type denotation") };
        return type;
    }

    private IrType? ParseOptionalType() => Accept("?") ? null : ParseType();

    private DataType ParseElementType()
    {
        var t = Peek();
        if (t.Kind == TokenKind.Ident && DataTypes.TryParseShortName(t.Text, out var type))
        {
            Next();
            return type;
        }
        throw Expected("an element type (f32, i64, ...)");
    }

    private Shape ParseShape()
    {
        Expect("[");
        var dims = new List<Dim>();
        while (!Accept("]"))
        {
            var t = Next();
            if (t.IsPunct("?")) dims.Add(Dim.Unknown);
            else if (t.Kind == TokenKind.Number && long.TryParse(t.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var size)) dims.Add(Dim.Of(size));
            else if (t.Kind == TokenKind.Ident) dims.Add(Dim.Named(t.Text));
            else if (t.Kind == TokenKind.String) dims.Add(Dim.Named(TextSyntax.UnescapeText(t.Text)));
            else throw Error(t, $"expected a dimension (a size, a symbol or '?'), found {t.Describe()}");
            if (!Accept(","))
            {
                Expect("]");
                break;
            }
        }
        return new Shape(dims);
    }

    private long[] ParseStaticDims()
    {
        Expect("[");
        var dims = new List<long>();
        while (!Accept("]"))
        {
            dims.Add(ExpectInt("a dimension size"));
            if (!Accept(","))
            {
                Expect("]");
                break;
            }
        }
        return dims.ToArray();
    }

    // ---- attributes ----

    private List<Attribute> ParseAttributeDict()
    {
        Expect("{");
        var attributes = new List<Attribute>();
        while (!Accept("}"))
        {
            var name = ExpectName("an attribute name");
            AttributeKind? kind = null;
            if (Accept(":"))
            {
                var kindToken = Next();
                if (kindToken.Kind != TokenKind.Ident || !AttributeKinds.TryParse(kindToken.Text, out var k))
                {
                    throw Error(kindToken, $"expected an attribute kind (int, float, string, tensor, graph, ints, floats, strings, tensors, graphs, sparse_tensor, sparse_tensors, type, types), found {kindToken.Describe()}");
                }
                kind = k;
            }
            Expect("=");
            var attribute = ParseAttributeValue(name, kind);
            if (AcceptWord("doc")) attribute = attribute with { DocString = ExpectString("a doc string") };
            attributes.Add(attribute);
            if (!Accept(","))
            {
                Expect("}");
                break;
            }
        }
        return attributes;
    }

    private Attribute ParseAttributeValue(string name, AttributeKind? declared)
    {
        var t = Peek();
        if (Accept("@"))
        {
            var reference = ExpectName("the referenced attribute's name");
            if (declared is null) throw Error(t, $"a reference attribute needs its kind: {name}: float = @{reference}");
            return new Attribute(name, declared.Value, null) { RefAttributeName = reference };
        }
        if (t.IsIdent("none"))
        {
            Next();
            if (declared is null) throw Error(t, $"'none' needs the attribute's kind: {name}: ints = none");
            return new Attribute(name, declared.Value, null);
        }
        var kind = declared ?? InferKind(name);
        return new Attribute(name, kind, ParseAttributeData(kind));
    }

    private AttributeKind InferKind(string name)
    {
        var t = Peek();
        if (IsFloatStart(t)) return AttributeKind.Float;
        if (t.Kind == TokenKind.Number) return AttributeKind.Int;
        if (t.Kind == TokenKind.String) return AttributeKind.String;
        if (t.IsIdent("graph")) return AttributeKind.Graph;
        if (t.IsIdent("sparse") && Peek(1).IsPunct("<")) return AttributeKind.SparseTensor;
        if (t.Kind == TokenKind.Ident && DataTypes.TryParseShortName(t.Text, out _) && Peek(1).IsPunct("[")) return AttributeKind.Tensor;
        if (t.IsPunct("["))
        {
            var first = Peek(1);
            if (first.IsPunct("]")) throw Error(t, $"an empty list needs the attribute's kind: {name}: ints = []");
            if (first.Kind == TokenKind.String) return AttributeKind.Strings;
            if (first.IsIdent("graph")) return AttributeKind.Graphs;
            if (first.IsIdent("sparse")) return AttributeKind.SparseTensors;
            if (first.Kind == TokenKind.Ident && DataTypes.TryParseShortName(first.Text, out _)) return AttributeKind.Tensors;
            // A number list is floats as soon as one element is written as a float.
            for (int i = _pos + 1; i < _tokens.Count && !_tokens[i].IsPunct("]"); i++)
            {
                if (IsFloatStart(_tokens[i])) return AttributeKind.Floats;
            }
            return AttributeKind.Ints;
        }
        throw Expected($"a value for attribute '{name}'");
    }

    private static bool IsFloatStart(Token t)
    {
        if (t.Kind == TokenKind.Ident) return t.Text is "nan" or "inf";
        if (t.Kind != TokenKind.Number) return false;
        var text = t.Text.TrimStart('-', '+');
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) return false;
        return text.Contains('.') || text.Contains('e') || text.Contains('E') || text is "nan" or "inf";
    }

    private object ParseAttributeData(AttributeKind kind) => kind switch
    {
        AttributeKind.Float => ParseSingle(),
        AttributeKind.Int => ExpectInt("an integer"),
        AttributeKind.String => ExpectString("a string"),
        AttributeKind.Tensor => ParseTensorLiteral(),
        AttributeKind.Graph => ParseGraph(),
        AttributeKind.SparseTensor => ParseSparse(),
        AttributeKind.TypeProto => ParseType(),
        AttributeKind.Floats => ParseList(ParseSingle),
        AttributeKind.Ints => ParseList(() => ExpectInt("an integer")),
        AttributeKind.Strings => ParseList(() => ExpectString("a string")),
        AttributeKind.Tensors => ParseList(ParseTensorLiteral),
        AttributeKind.Graphs => ParseList(ParseGraph),
        AttributeKind.SparseTensors => ParseList(ParseSparse),
        AttributeKind.TypeProtos => ParseList(ParseType),
        _ => throw Expected("'none' (an undefined attribute has no value)"),
    };

    private T[] ParseList<T>(Func<T> element)
    {
        Expect("[");
        var items = new List<T>();
        while (!Accept("]"))
        {
            items.Add(element());
            if (!Accept(","))
            {
                Expect("]");
                break;
            }
        }
        return items.ToArray();
    }

    private float ParseSingle()
    {
        var (text, raw, nan) = ReadFloat();
        if (raw is { } bits) return BitConverter.Int32BitsToSingle(unchecked((int)bits));
        if (nan != 0) return BitConverter.Int32BitsToSingle(nan > 0 ? 0x7FC00000 : unchecked((int)0xFFC00000));
        return text! switch
        {
            "inf" or "+inf" => float.PositiveInfinity,
            "-inf" => float.NegativeInfinity,
            _ => float.Parse(text!, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
    }

    private double ParseDouble()
    {
        var (text, raw, nan) = ReadFloat();
        if (raw is { } bits) return BitConverter.Int64BitsToDouble(bits);
        if (nan != 0) return BitConverter.Int64BitsToDouble(nan > 0 ? 0x7FF8000000000000 : unchecked((long)0xFFF8000000000000));
        return text! switch
        {
            "inf" or "+inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            _ => double.Parse(text!, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
    }

    /// <summary>One float literal: decimal text, or raw bits (nan(0x...) / 0x...), or nan/-nan (nan = +1, -nan = -1).</summary>
    private (string? Text, long? Raw, int Nan) ReadFloat()
    {
        var t = Next();
        if (t.IsIdent("nan"))
        {
            if (!Accept("(")) return (null, null, 1);
            var raw = ParseHexBits(Next());
            Expect(")");
            return (null, raw, 0);
        }
        if (t.IsIdent("inf")) return ("inf", null, 0);
        if (t.Kind == TokenKind.Number)
        {
            if (t.Text == "-nan") return (null, null, -1);
            if (t.Text is "-inf" or "+inf") return (t.Text, null, 0);
            if (t.Text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) return (null, ParseHexBits(t), 0);
            if (double.TryParse(t.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) return (t.Text, null, 0);
        }
        throw Error(t, $"expected a number, found {t.Describe()}");
    }

    private static long ParseHexBits(Token t)
    {
        if (t.Kind == TokenKind.Number && t.Text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && ulong.TryParse(t.Text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var bits))
        {
            return unchecked((long)bits);
        }
        throw Error(t, $"expected raw bits such as 0x7fc00001, found {t.Describe()}");
    }

    // ---- tensors ----

    /// <summary>"f32[2,3] [1, 2, 3, 4, 5, 6]", "f32[768,768] &lt;external "w.bin" offset 0&gt;", with optional tensor_name/tensor_doc.</summary>
    private Tensor ParseTensorLiteral()
    {
        var type = ParseElementType();
        return ParseTensorRest(type, ParseStaticDims());
    }

    private Tensor ParseTensorRest(DataType type, long[] dims)
    {
        var at = Peek();
        string? elided = null;
        byte[]? bytes = null;
        List<byte[]>? strings = null;
        long count = dims.Aggregate(1L, (acc, d) => checked(acc * d));
        if (at.IsPunct("<")) elided = ParseDigest();
        else if (type == DataType.String) strings = ParseList(() => ParseByteString()).ToList();
        else bytes = ParseElements(type, count);
        if (strings is not null && strings.Count != count) throw Error(at, $"string{FormatDims(dims)} needs {count} values, found {strings.Count}");
        string? name = null, doc = null;
        while (true)
        {
            if (AcceptWord("tensor_name")) name = ExpectString("the tensor name");
            else if (AcceptWord("tensor_doc")) doc = ExpectString("a doc string");
            else break;
        }
        if (elided is not null) return new ElidedTensor(type, dims, elided) { Name = name, DocString = doc };
        if (strings is not null) return new StringTensor(dims, strings) { Name = name, DocString = doc };
        return new DenseTensor(type, dims, bytes!) { Name = name, DocString = doc };
    }

    private byte[] ParseByteString()
    {
        var t = Peek();
        if (t.Kind != TokenKind.String) throw Expected("a string");
        Next();
        return TextSyntax.UnescapeBytes(t.Text);
    }

    /// <summary>The text between '&lt;' and '&gt;', kept verbatim so it prints back the same.</summary>
    private string ParseDigest()
    {
        var open = Expect("<");
        while (!Peek().IsPunct(">"))
        {
            if (Peek().Kind == TokenKind.End) throw Expected("'>' closing the tensor digest");
            Next();
        }
        var close = Next();
        var description = _text[(open.Offset + 1)..close.Offset].Trim();
        if (description.Length == 0) throw Error(open, "expected a digest such as <external \"w.bin\" offset 0> or <elided ...>");
        return description;
    }

    private SparseTensor ParseSparse()
    {
        ExpectWord("sparse");
        Expect("<");
        var dims = ParseStaticDims();
        Expect(",");
        var values = ParseTensorLiteral();
        Expect(",");
        var indices = ParseTensorLiteral();
        Expect(">");
        return new SparseTensor(values, indices, dims);
    }

    private byte[] ParseElements(DataType type, long count)
    {
        var open = Expect("[");
        var bytes = new byte[type.ByteCount(count)];
        int i = 0;
        while (!Accept("]"))
        {
            if (i >= count) throw Error(Peek(), $"{type.ShortName()} tensor of {count} elements has more values");
            ParseElement(type, bytes, i++);
            if (!Accept(","))
            {
                Expect("]");
                break;
            }
        }
        if (i != count) throw Error(open, $"{type.ShortName()} tensor needs {count} values, found {i}");
        return bytes;
    }

    private void ParseElement(DataType type, byte[] bytes, int i)
    {
        var span = bytes.AsSpan();
        var t = Peek();
        switch (type)
        {
            case DataType.Float: BinaryPrimitives.WriteSingleLittleEndian(span[(i * 4)..], ParseSingle()); break;
            case DataType.Double: BinaryPrimitives.WriteDoubleLittleEndian(span[(i * 8)..], ParseDouble()); break;
            case DataType.Float16: BinaryPrimitives.WriteUInt16LittleEndian(span[(i * 2)..], ParseHalfBits()); break;
            case DataType.BFloat16: BinaryPrimitives.WriteUInt16LittleEndian(span[(i * 2)..], ParseBFloat16Bits()); break;
            case DataType.Complex64:
                Expect("(");
                BinaryPrimitives.WriteSingleLittleEndian(span[(i * 8)..], ParseSingle());
                Expect(",");
                BinaryPrimitives.WriteSingleLittleEndian(span[(i * 8 + 4)..], ParseSingle());
                Expect(")");
                break;
            case DataType.Complex128:
                Expect("(");
                BinaryPrimitives.WriteDoubleLittleEndian(span[(i * 16)..], ParseDouble());
                Expect(",");
                BinaryPrimitives.WriteDoubleLittleEndian(span[(i * 16 + 8)..], ParseDouble());
                Expect(")");
                break;
            case DataType.Bool:
                if (AcceptWord("true")) bytes[i] = 1;
                else if (AcceptWord("false")) bytes[i] = 0;
                else bytes[i] = (byte)ExpectIntIn(0, 255, "bool");
                break;
            case DataType.Int8: bytes[i] = unchecked((byte)ExpectIntIn(sbyte.MinValue, sbyte.MaxValue, "i8")); break;
            case DataType.UInt8: bytes[i] = (byte)ExpectIntIn(0, byte.MaxValue, "u8"); break;
            case DataType.Int16: BinaryPrimitives.WriteInt16LittleEndian(span[(i * 2)..], (short)ExpectIntIn(short.MinValue, short.MaxValue, "i16")); break;
            case DataType.UInt16: BinaryPrimitives.WriteUInt16LittleEndian(span[(i * 2)..], (ushort)ExpectIntIn(0, ushort.MaxValue, "u16")); break;
            case DataType.Int32: BinaryPrimitives.WriteInt32LittleEndian(span[(i * 4)..], (int)ExpectIntIn(int.MinValue, int.MaxValue, "i32")); break;
            case DataType.UInt32: BinaryPrimitives.WriteUInt32LittleEndian(span[(i * 4)..], (uint)ExpectIntIn(0, uint.MaxValue, "u32")); break;
            case DataType.Int64: BinaryPrimitives.WriteInt64LittleEndian(span[(i * 8)..], ExpectInt("an i64 value")); break;
            case DataType.UInt64:
                if (t.Kind != TokenKind.Number || !ulong.TryParse(t.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var u64)) throw Expected("a u64 value");
                Next();
                BinaryPrimitives.WriteUInt64LittleEndian(span[(i * 8)..], u64);
                break;
            case DataType.Int4 or DataType.Int2:
            {
                int bits = type.BitWidth();
                long v = ExpectIntIn(-(1L << (bits - 1)), (1L << (bits - 1)) - 1, type.ShortName());
                TensorElements.WritePacked(span, i, bits, v & ((1L << bits) - 1));
                break;
            }
            case DataType.UInt4 or DataType.UInt2:
            {
                int bits = type.BitWidth();
                TensorElements.WritePacked(span, i, bits, ExpectIntIn(0, (1L << bits) - 1, type.ShortName()));
                break;
            }
            case DataType.Float4E2M1:
                TensorElements.WritePacked(span, i, 4, RawBitsIn(0xF, type));
                break;
            default:
                if (!TensorElements.IsRawBits(type)) throw Error(t, $"tensors of type {type.ShortName()} have no text form for their values");
                bytes[i] = (byte)RawBitsIn(0xFF, type);
                break;
        }
    }

    private long RawBitsIn(long max, DataType type)
    {
        var t = Next();
        long bits = ParseHexBits(t);
        if (bits < 0 || bits > max) throw Error(t, $"{type.ShortName()} raw bits must be at most 0x{max:x}");
        return bits;
    }

    private long ExpectIntIn(long min, long max, string type)
    {
        var t = Peek();
        long value = ExpectInt($"an {type} value");
        if (value < min || value > max) throw Error(t, $"{value} is out of range for {type} ({min}..{max})");
        return value;
    }

    private ushort ParseHalfBits()
    {
        var (text, raw, nan) = ReadFloat();
        if (raw is { } bits) return (ushort)bits;
        if (nan != 0) return nan > 0 ? (ushort)0x7E00 : (ushort)0xFE00;
        var value = text! switch
        {
            "inf" or "+inf" => Half.PositiveInfinity,
            "-inf" => Half.NegativeInfinity,
            _ => Half.Parse(text!, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return BitConverter.HalfToUInt16Bits(value);
    }

    private ushort ParseBFloat16Bits()
    {
        var (text, raw, nan) = ReadFloat();
        if (raw is { } bits) return (ushort)bits;
        if (nan != 0) return nan > 0 ? (ushort)0x7FC0 : (ushort)0xFFC0;
        var value = text! switch
        {
            "inf" or "+inf" => float.PositiveInfinity,
            "-inf" => float.NegativeInfinity,
            _ => float.Parse(text!, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return TensorElements.ToBFloat16(value);
    }

    private static string FormatDims(long[] dims) => "[" + string.Join(",", dims) + "]";
}
