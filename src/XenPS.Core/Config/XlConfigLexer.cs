using System.Collections.Generic;

namespace XenPS.Core.Config;

/// <summary>
/// Splits xl.cfg text into tokens that cover every character (trivia included), with flex's longest-match rules of
/// libxlu_cfg_l.l. Two things xl itself rejects are accepted so such files still round-trip, and are reported as
/// compatibility issues instead: CRLF line breaks (xl's lexer has no rule for '\r') and a comment on the last line
/// without a final line break (xl's comment rule is "#.*\n").
/// </summary>
internal sealed class XlConfigLexer
{
    private readonly string _text;
    private readonly string? _path;
    private readonly List<XlConfigToken> _tokens = new();
    private readonly List<XenConfigProblem> _issues = new();
    private int _pos;
    private int _line = 1;
    private int _column = 1;

    private XlConfigLexer(string text, string? path)
    {
        _text = text;
        _path = path;
    }

    public static List<XlConfigToken> Tokenize(string text, string? path, out List<XenConfigProblem> compatibilityIssues)
    {
        var lexer = new XlConfigLexer(text, path);
        lexer.Run();
        compatibilityIssues = lexer._issues;
        return lexer._tokens;
    }

    /// <summary>Line and column just after the last character (where "end of file" errors are reported).</summary>
    public static (int Line, int Column) EndPosition(string text)
    {
        int line = 1, column = 1;
        foreach (var c in text)
        {
            if (c == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }
        return (line, column);
    }

    private void Run()
    {
        var sawCrLf = false;
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            var start = _pos;
            var line = _line;
            var column = _column;
            switch (c)
            {
                case ' ':
                case '\t':
                    while (_pos < _text.Length && _text[_pos] is ' ' or '\t') Advance();
                    Add(XlConfigTokenKind.Whitespace, start, line, column);
                    break;
                case '\n':
                    Advance();
                    Add(XlConfigTokenKind.Newline, start, line, column);
                    break;
                case '\r':
                    if (_pos + 1 < _text.Length && _text[_pos + 1] == '\n')
                    {
                        var afterComment = _tokens.Count > 0 && _tokens[_tokens.Count - 1].Kind == XlConfigTokenKind.Comment;
                        if (!sawCrLf && !afterComment)
                        {
                            sawCrLf = true;
                            _issues.Add(new XenConfigProblem(XenConfigProblemSeverity.Error,
                                "the file has CRLF (Windows) line breaks: xl's parser has no rule for a carriage return outside comments and strings and reports \"lexical error\"; convert it to LF line breaks",
                                null, line));
                        }
                        Advance();
                        Advance();
                        Add(XlConfigTokenKind.Newline, start, line, column);
                        break;
                    }
                    throw Error("unexpected carriage return (U+000D) not followed by a line feed", line, column);
                case '#':
                    {
                        var end = _text.IndexOf('\n', _pos);
                        if (end < 0)
                        {
                            end = _text.Length;
                            _issues.Add(new XenConfigProblem(XenConfigProblemSeverity.Error,
                                "the comment on the last line has no line break after it: xl's comment rule is \"#.*\\n\", so xl reports \"lexical error\"; end the file with a line break",
                                null, line));
                        }
                        else if (end > _pos && _text[end - 1] == '\r')
                        {
                            end--; // the "\r\n" becomes the Newline token
                        }
                        while (_pos < end) Advance();
                        Add(XlConfigTokenKind.Comment, start, line, column);
                        break;
                    }
                case ';':
                    Single(XlConfigTokenKind.Semicolon, start, line, column);
                    break;
                case ',':
                    Single(XlConfigTokenKind.Comma, start, line, column);
                    break;
                case '[':
                    Single(XlConfigTokenKind.OpenBracket, start, line, column);
                    break;
                case ']':
                    Single(XlConfigTokenKind.CloseBracket, start, line, column);
                    break;
                case '=':
                    Single(XlConfigTokenKind.Equals, start, line, column);
                    break;
                case '+':
                    if (_pos + 1 < _text.Length && _text[_pos + 1] == '=')
                    {
                        Advance();
                        Advance();
                        Add(XlConfigTokenKind.PlusEquals, start, line, column);
                        break;
                    }
                    throw Error(LexicalError(c), line, column);
                case '"':
                case '\'':
                    LexString(c, start, line, column);
                    break;
                default:
                    if (c is >= 'a' and <= 'z')
                    {
                        while (_pos < _text.Length && _text[_pos] is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '.') Advance();
                        Add(XlConfigTokenKind.Identifier, start, line, column);
                    }
                    else if (c is >= '0' and <= '9')
                    {
                        while (_pos < _text.Length && _text[_pos] is (>= '0' and <= '9') or (>= 'a' and <= 'f') or 'x') Advance();
                        Add(XlConfigTokenKind.Number, start, line, column);
                    }
                    else
                    {
                        throw Error(LexicalError(c), line, column);
                    }
                    break;
            }
        }
    }

    private void LexString(char quote, int start, int line, int column)
    {
        Advance();
        while (true)
        {
            if (_pos >= _text.Length || _text[_pos] == '\n')
                throw Error($"unterminated string: no closing {quote} on this line (xl strings cannot span lines)", line, column);
            var c = _text[_pos];
            if (c == '\\')
            {
                if (_pos + 1 >= _text.Length || _text[_pos + 1] == '\n')
                    throw Error($"unterminated string: a backslash cannot continue a string on the next line (no closing {quote})", line, column);
                Advance();
                Advance();
                continue;
            }
            Advance();
            if (c == quote) break;
        }
        Add(XlConfigTokenKind.String, start, line, column);
    }

    private static string LexicalError(char c)
    {
        if (c == '\uFEFF') return "lexical error: the file starts with a byte order mark (U+FEFF), which xl rejects; save it as UTF-8 without BOM";
        if (c is '+' or '-' or '.' or '(' or ')' or ':')
            return $"lexical error: unexpected '{c}' outside a string (xl.cfg is not Python: quote the value, e.g. \"...\")";
        if (c is >= 'A' and <= 'Z')
            return $"lexical error: unexpected '{c}': keys are lowercase ([a-z][._0-9a-z]*) and text values must be quoted";
        return $"lexical error: unexpected character '{XlConfigText.Printable(c)}'";
    }

    private void Single(XlConfigTokenKind kind, int start, int line, int column)
    {
        Advance();
        Add(kind, start, line, column);
    }

    private void Advance()
    {
        if (_text[_pos] == '\n')
        {
            _line++;
            _column = 1;
        }
        else
        {
            _column++;
        }
        _pos++;
    }

    private void Add(XlConfigTokenKind kind, int start, int line, int column) =>
        _tokens.Add(new XlConfigToken(kind, _text.Substring(start, _pos - start), line, column));

    private XenConfigSyntaxException Error(string detail, int line, int column) => new(detail, _path, line, column);
}
