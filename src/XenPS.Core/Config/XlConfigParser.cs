using System.Collections.Generic;

namespace XenPS.Core.Config;

/// <summary>
/// The grammar of libxlu_cfg_y.y as a recursive-descent parser over the lossless token list:
/// <code>
/// file       := (assignment? endstmt)* assignment?        endstmt := NEWLINE | ';'   (a comment is part of NEWLINE)
/// assignment := IDENT ('=' | '+=') value
/// value      := STRING | NUMBER | '[' nl* (value nl* (',' nl* value nl*)* (',' nl*)?)? ']'
/// </code>
/// Line breaks and comments are allowed anywhere inside a list, nowhere else in a statement. xl's own
/// "can't add [list] to \"string\" or vice versa" check for "+=" is done here too.
/// </summary>
internal sealed class XlConfigParser
{
    /// <summary>Deeper nesting than this is refused (bison's stack would say "memory exhausted" far later, a recursive parser must stop earlier).</summary>
    internal const int MaxListDepth = 200;

    private readonly string _text;
    private readonly string? _path;
    private readonly List<XlConfigToken> _tokens;
    private readonly Dictionary<string, bool> _lastIsList = new(System.StringComparer.Ordinal);
    private int _index;

    private XlConfigParser(string text, string? path, List<XlConfigToken> tokens)
    {
        _text = text;
        _path = path;
        _tokens = tokens;
    }

    public static List<XlConfigNode> Parse(string text, string? path, out List<XenConfigProblem> compatibilityIssues)
    {
        var tokens = XlConfigLexer.Tokenize(text, path, out compatibilityIssues);
        return new XlConfigParser(text, path, tokens).ParseFile();
    }

    private XlConfigToken? Current => _index < _tokens.Count ? _tokens[_index] : null;

    private List<XlConfigNode> ParseFile()
    {
        var nodes = new List<XlConfigNode>();
        while (Current is { } token)
        {
            switch (token.Kind)
            {
                case XlConfigTokenKind.Whitespace:
                case XlConfigTokenKind.Newline:
                case XlConfigTokenKind.Comment:
                case XlConfigTokenKind.Semicolon:
                    nodes.Add(token);
                    _index++;
                    break;
                case XlConfigTokenKind.Identifier:
                    var setting = ParseSetting();
                    nodes.Add(setting);
                    ExpectEndOfStatement(setting);
                    break;
                default:
                    throw Error($"expected a key (a lowercase name such as memory) at the start of a statement but found {Describe(token)}", token);
            }
        }
        return nodes;
    }

    private XlConfigSetting ParseSetting()
    {
        var key = _tokens[_index++];
        var nodes = new List<XlConfigNode> { key };
        TakeWhitespace(nodes);
        var op = Current;
        if (op is null || op.Kind is not (XlConfigTokenKind.Equals or XlConfigTokenKind.PlusEquals))
        {
            var what = op is null || op.Kind is XlConfigTokenKind.Newline or XlConfigTokenKind.Comment or XlConfigTokenKind.Semicolon
                ? $"missing '=' after the key '{key.Text}'"
                : $"expected '=' or '+=' after the key '{key.Text}' but found {Describe(op, key.Text)}";
            throw ErrorAt(what, op);
        }
        nodes.Add(op);
        _index++;
        TakeWhitespace(nodes);
        var value = ParseValue(key.Text, 0);
        nodes.Add(value);

        var isList = value is XlConfigList;
        if (op.Kind == XlConfigTokenKind.PlusEquals && _lastIsList.TryGetValue(key.Text, out var previousIsList) && previousIsList != isList)
        {
            throw Error(isList
                ? $"can't add a [list] to the \"string\" value of '{key.Text}' with '+='"
                : $"can't add a \"string\" to the [list] value of '{key.Text}' with '+='", value);
        }
        _lastIsList[key.Text] = isList;
        return new XlConfigSetting(nodes);
    }

    private void ExpectEndOfStatement(XlConfigSetting setting)
    {
        var i = _index;
        while (i < _tokens.Count && _tokens[i].Kind == XlConfigTokenKind.Whitespace) i++;
        if (i >= _tokens.Count) return;
        var next = _tokens[i];
        if (next.Kind is XlConfigTokenKind.Newline or XlConfigTokenKind.Comment or XlConfigTokenKind.Semicolon) return;
        throw Error($"expected a line break or ';' after the value of '{setting.Key}' but found {Describe(next, setting.Key)}", next);
    }

    private XlConfigValue ParseValue(string key, int depth)
    {
        var token = Current;
        switch (token?.Kind)
        {
            case XlConfigTokenKind.String:
                _index++;
                var decoded = XlConfigText.Unquote(token.Text, out var offset, out var error);
                if (decoded is null) throw new XenConfigSyntaxException(error!, _path, token.Line, token.Column + offset);
                return new XlConfigAtom(token, decoded);
            case XlConfigTokenKind.Number:
                _index++;
                return new XlConfigAtom(token, token.Text);
            case XlConfigTokenKind.OpenBracket:
                return ParseList(key, depth + 1);
            default:
                throw ErrorAt($"expected a value for '{key}' (a quoted string, a number or a [list]) but found {Describe(token, key)}", token);
        }
    }

    private XlConfigList ParseList(string key, int depth)
    {
        var open = _tokens[_index++];
        if (depth > MaxListDepth) throw Error($"lists are nested more than {MaxListDepth} deep", open);
        var nodes = new List<XlConfigNode> { open };
        var expectValue = true; // after '[' or ','
        var afterComma = false;
        while (true)
        {
            TakeListTrivia(nodes);
            var token = Current;
            if (token is null)
            {
                var (line, column) = XlConfigLexer.EndPosition(_text);
                throw new XenConfigSyntaxException(
                    $"unclosed list: the '[' of '{key}' at line {open.Line}, column {open.Column} has no matching ']'", _path, line, column);
            }
            if (token.Kind == XlConfigTokenKind.CloseBracket)
            {
                nodes.Add(token);
                _index++;
                return new XlConfigList(nodes);
            }
            if (expectValue)
            {
                if (token.Kind is not (XlConfigTokenKind.String or XlConfigTokenKind.Number or XlConfigTokenKind.OpenBracket))
                {
                    var what = token.Kind == XlConfigTokenKind.Comma
                        ? afterComma ? "two commas in a row in the list" : "a list cannot start with ','"
                        : $"expected a list element or ']' in the list of '{key}' but found {Describe(token, key)}";
                    throw Error(what, token);
                }
                nodes.Add(ParseValue(key, depth));
                expectValue = false;
                continue;
            }
            if (token.Kind == XlConfigTokenKind.Comma)
            {
                nodes.Add(token);
                _index++;
                expectValue = true;
                afterComma = true;
                continue;
            }
            throw Error($"expected ',' or ']' after a list element of '{key}' but found {Describe(token, key)}", token);
        }
    }

    private void TakeWhitespace(List<XlConfigNode> nodes)
    {
        while (Current is { Kind: XlConfigTokenKind.Whitespace } t)
        {
            nodes.Add(t);
            _index++;
        }
    }

    private void TakeListTrivia(List<XlConfigNode> nodes)
    {
        while (Current is { IsTrivia: true } t)
        {
            nodes.Add(t);
            _index++;
        }
    }

    /// <summary>The token for an error message. A string or number next to a password key (vncpasswd, spicepasswd)
    /// is not quoted: it may be the password.</summary>
    private static string Describe(XlConfigToken? token, string? key = null) => token?.Kind switch
    {
        XlConfigTokenKind.String or XlConfigTokenKind.Number or XlConfigTokenKind.Identifier when Execution.SecretRedactor.IsSecretConfigKey(key) =>
            "a value (not shown: it may be the password)",
        null => "the end of the file",
        XlConfigTokenKind.Newline => "the end of the line",
        XlConfigTokenKind.Comment => "a comment",
        XlConfigTokenKind.Semicolon => "';'",
        XlConfigTokenKind.Identifier => $"the name '{token.Text}' (text values must be quoted)",
        XlConfigTokenKind.Number => $"the number '{token.Text}'",
        XlConfigTokenKind.String => $"the string {Execution.SecretRedactor.Redact(XlConfigText.Excerpt(token.Text))}",
        XlConfigTokenKind.Equals => "'='",
        XlConfigTokenKind.PlusEquals => "'+='",
        XlConfigTokenKind.Comma => "','",
        XlConfigTokenKind.OpenBracket => "'['",
        XlConfigTokenKind.CloseBracket => "']'",
        _ => $"'{token.Text}'",
    };

    private XenConfigSyntaxException Error(string detail, XlConfigNode node) => new(detail, _path, node.Line, node.Column);

    private XenConfigSyntaxException ErrorAt(string detail, XlConfigToken? token)
    {
        if (token is not null) return Error(detail, token);
        var (line, column) = XlConfigLexer.EndPosition(_text);
        return new XenConfigSyntaxException(detail, _path, line, column);
    }
}
