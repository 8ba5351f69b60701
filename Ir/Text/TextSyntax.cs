using System.Globalization;
using System.Text;

namespace Onnxc.Ir.Text;

/// <summary>Lexical rules shared by the printer and the parser: quoting, escapes, reserved words, numbers.</summary>
internal static class TextSyntax
{
    /// <summary>Words with a meaning in some position; names equal to them are printed quoted so they never read as syntax.</summary>
    public static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "model", "graph", "function", "return", "doc", "metadata", "opaque", "name", "overload", "sparse", "seq",
        "map", "optional", "nan", "inf", "true", "false", "none", "_", "tensor_name", "tensor_doc", "attributes",
        "attribute_defaults", "opset_import", "graph_name", "ir_version", "producer_name", "producer_version",
        "domain", "model_version", "external", "elided", "lazy", "offset",
    };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool IsIdentStart(char c) => char.IsAsciiLetter(c) || c == '_';

    public static bool IsIdentChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '.';

    /// <summary>Characters a value name may hold unquoted after '%': enough for "/model/layers.0/Add_output_0".</summary>
    public static bool IsValueNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '.' || c == '/';

    /// <summary>An identifier (op type, domain, attribute or graph name, dim symbol): bare when that reads back the same.</summary>
    public static string Identifier(string name)
    {
        if (name.Length > 0 && IsIdentStart(name[0]) && name.All(IsIdentChar) && !Reserved.Contains(name)) return name;
        return QuoteText(name);
    }

    /// <summary>A value name as written after '%'.</summary>
    public static string ValueName(string name)
    {
        if (name.Length > 0 && name.All(IsValueNameChar) && !name.Contains("//", StringComparison.Ordinal)) return name;
        return QuoteText(name);
    }

    public static string QuoteText(string text)
    {
        var sb = new StringBuilder(text.Length + 2).Append('"');
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                default:
                    if (c < 0x20 || c == 0x7F) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) sb.Append(c).Append(text[++i]);
                    else if (char.IsSurrogate(c)) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>ONNX strings are bytes: valid UTF-8 prints as text, anything else escapes its non-ASCII bytes as \xNN.</summary>
    public static string QuoteBytes(byte[] bytes)
    {
        try
        {
            return QuoteText(StrictUtf8.GetString(bytes));
        }
        catch (DecoderFallbackException)
        {
            var sb = new StringBuilder(bytes.Length + 2).Append('"');
            foreach (var b in bytes)
            {
                if (b == '"') sb.Append("\\\"");
                else if (b == '\\') sb.Append("\\\\");
                else if (b >= 0x20 && b < 0x7F) sb.Append((char)b);
                else sb.Append("\\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
            }
            return sb.Append('"').ToString();
        }
    }

    /// <summary>Checks the escapes of a raw string body; returns the index of a bad escape or -1.</summary>
    public static int FindBadEscape(string raw)
    {
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] != '\\') continue;
            if (i + 1 >= raw.Length) return i;
            char e = raw[i + 1];
            int hex = e switch { 'x' => 2, 'u' => 4, '"' or '\\' or 'n' or 't' or 'r' => 0, _ => -1 };
            if (hex < 0 || i + 2 + hex > raw.Length) return i;
            for (int k = 0; k < hex; k++)
            {
                if (!char.IsAsciiHexDigit(raw[i + 2 + k])) return i;
            }
            i += 1 + hex;
        }
        return -1;
    }

    /// <summary>Decodes a checked raw string body to text; \xNN is the character U+00NN.</summary>
    public static string UnescapeText(string raw)
    {
        if (!raw.Contains('\\')) return raw;
        var sb = new StringBuilder(raw.Length);
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] != '\\')
            {
                sb.Append(raw[i]);
                continue;
            }
            char e = raw[++i];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'x': sb.Append((char)Convert.ToInt32(raw.Substring(i + 1, 2), 16)); i += 2; break;
                case 'u': sb.Append((char)Convert.ToInt32(raw.Substring(i + 1, 4), 16)); i += 4; break;
                default: sb.Append(e); break;
            }
        }
        return sb.ToString();
    }

    /// <summary>Decodes a checked raw string body to bytes: text as UTF-8, \xNN as the raw byte NN.</summary>
    public static byte[] UnescapeBytes(string raw)
    {
        var bytes = new List<byte>(raw.Length);
        var pending = new StringBuilder();
        void Flush()
        {
            bytes.AddRange(Encoding.UTF8.GetBytes(pending.ToString()));
            pending.Clear();
        }
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] != '\\')
            {
                pending.Append(raw[i]);
                continue;
            }
            char e = raw[++i];
            switch (e)
            {
                case 'n': pending.Append('\n'); break;
                case 't': pending.Append('\t'); break;
                case 'r': pending.Append('\r'); break;
                case 'x': Flush(); bytes.Add(Convert.ToByte(raw.Substring(i + 1, 2), 16)); i += 2; break;
                case 'u': pending.Append((char)Convert.ToInt32(raw.Substring(i + 1, 4), 16)); i += 4; break;
                default: pending.Append(e); break;
            }
        }
        Flush();
        return bytes.ToArray();
    }

    /// <summary>Shortest text that parses back to the same float; always has a '.', 'e', or is nan/inf so it never reads as an int.</summary>
    public static string FormatSingle(float value)
    {
        int bits = BitConverter.SingleToInt32Bits(value);
        if (float.IsNaN(value))
        {
            return bits switch
            {
                0x7FC00000 => "nan",
                unchecked((int)0xFFC00000) => "-nan",
                _ => "nan(0x" + bits.ToString("x8", CultureInfo.InvariantCulture) + ")",
            };
        }
        return Decimal(value.ToString("R", CultureInfo.InvariantCulture));
    }

    public static string FormatDouble(double value)
    {
        long bits = BitConverter.DoubleToInt64Bits(value);
        if (double.IsNaN(value))
        {
            return bits switch
            {
                0x7FF8000000000000 => "nan",
                unchecked((long)0xFFF8000000000000) => "-nan",
                _ => "nan(0x" + bits.ToString("x16", CultureInfo.InvariantCulture) + ")",
            };
        }
        return Decimal(value.ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>Lower-cases the exponent, names infinities, and adds ".0" to integral values so floats stay floats.</summary>
    public static string Decimal(string text)
    {
        if (text == "∞" || text == "Infinity") return "inf";
        if (text == "-∞" || text == "-Infinity") return "-inf";
        text = text.Replace("E", "e", StringComparison.Ordinal);
        return text.Contains('.') || text.Contains('e') ? text : text + ".0";
    }

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
