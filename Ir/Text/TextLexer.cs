namespace Onnxc.Ir.Text;

internal enum TokenKind
{
    End,
    Ident,
    String,
    Number,
    Value,
    Punct,
}

/// <summary>
/// One token. For strings <see cref="Text"/> is the raw body (escapes intact, decoded on demand as text or bytes);
/// for values it is the decoded name and <see cref="Suffix"/> the "#n" disambiguator (-1 when absent).
/// </summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Line, int Column, int Offset, int Suffix = -1)
{
    public bool IsPunct(string p) => Kind == TokenKind.Punct && Text == p;

    public bool IsIdent(string word) => Kind == TokenKind.Ident && Text == word;

    public string Describe() => Kind switch
    {
        TokenKind.End => "end of input",
        TokenKind.String => $"string \"{Text}\"",
        TokenKind.Value => "%" + TextSyntax.ValueName(Text) + (Suffix >= 0 ? "#" + Suffix : ""),
        _ => $"'{Text}'",
    };
}

/// <summary>Splits the text form into tokens; whitespace and newlines separate tokens only, "//" starts a comment.</summary>
internal static class TextLexer
{
    private const string Puncts = "(){}[]<>,=:?@";

    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        int i = 0, line = 1, lineStart = 0;
        while (true)
        {
            while (i < text.Length)
            {
                char c = text[i];
                if (c == '\n')
                {
                    line++;
                    lineStart = ++i;
                }
                else if (char.IsWhiteSpace(c)) i++;
                else if (c == '/' && i + 1 < text.Length && text[i + 1] == '/')
                {
                    while (i < text.Length && text[i] != '\n') i++;
                }
                else break;
            }
            int column = i - lineStart + 1;
            if (i >= text.Length)
            {
                tokens.Add(new Token(TokenKind.End, "", line, column, i));
                return tokens;
            }
            int start = i;
            char ch = text[i];
            if (ch == '"')
            {
                var raw = ReadString(text, ref i, line, column);
                tokens.Add(new Token(TokenKind.String, raw, line, column, start));
            }
            else if (ch == '%')
            {
                i++;
                string name;
                if (i < text.Length && text[i] == '"') name = TextSyntax.UnescapeText(ReadString(text, ref i, line, column));
                else
                {
                    int nameStart = i;
                    while (i < text.Length && TextSyntax.IsValueNameChar(text[i]) && !(text[i] == '/' && i + 1 < text.Length && text[i + 1] == '/')) i++;
                    if (i == nameStart) throw Error(line, column, "expected a value name after '%'");
                    name = text[nameStart..i];
                }
                int suffix = -1;
                if (i + 1 < text.Length && text[i] == '#' && char.IsAsciiDigit(text[i + 1]))
                {
                    int digitsStart = ++i;
                    while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
                    suffix = int.Parse(text.AsSpan(digitsStart, i - digitsStart), System.Globalization.CultureInfo.InvariantCulture);
                }
                tokens.Add(new Token(TokenKind.Value, name, line, column, start, suffix));
            }
            else if (TextSyntax.IsIdentStart(ch))
            {
                while (i < text.Length && TextSyntax.IsIdentChar(text[i])) i++;
                tokens.Add(new Token(TokenKind.Ident, text[start..i], line, column, start));
            }
            else if (char.IsAsciiDigit(ch) || ((ch == '-' || ch == '+') && i + 1 < text.Length && (char.IsAsciiLetterOrDigit(text[i + 1]) || text[i + 1] == '.')))
            {
                int digitsAt = ch is '-' or '+' ? start + 1 : start;
                bool hex = digitsAt + 1 < text.Length && text[digitsAt] == '0' && text[digitsAt + 1] is 'x' or 'X';
                i++;
                while (i < text.Length)
                {
                    char n = text[i];
                    if (char.IsAsciiLetterOrDigit(n) || n == '_' || n == '.') i++;
                    else if ((n == '+' || n == '-') && !hex && (text[i - 1] == 'e' || text[i - 1] == 'E')) i++;
                    else break;
                }
                tokens.Add(new Token(TokenKind.Number, text[start..i], line, column, start));
            }
            else if (ch == ':' && i + 1 < text.Length && text[i + 1] == ':')
            {
                i += 2;
                tokens.Add(new Token(TokenKind.Punct, "::", line, column, start));
            }
            else if (Puncts.Contains(ch))
            {
                i++;
                tokens.Add(new Token(TokenKind.Punct, ch.ToString(), line, column, start));
            }
            else
            {
                throw Error(line, column, $"unexpected character '{ch}'");
            }
        }
    }

    private static string ReadString(string text, ref int i, int line, int column)
    {
        int start = ++i;
        while (i < text.Length && text[i] != '"' && text[i] != '\n')
        {
            i += text[i] == '\\' ? 2 : 1;
        }
        if (i >= text.Length || text[i] != '"') throw Error(line, column, "unterminated string");
        var raw = text[start..i];
        i++;
        int bad = TextSyntax.FindBadEscape(raw);
        if (bad >= 0) throw Error(line, column + 1 + bad, "invalid escape in string (use \\\" \\\\ \\n \\t \\r \\xNN or \\uNNNN)");
        return raw;
    }

    public static OnnxcException Error(int line, int column, string message) =>
        new(DiagnosticIds.TextSyntax, $"{line}:{column}: {message}");
}
