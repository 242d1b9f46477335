using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using XenPS.HelpGen.Markdown;

namespace XenPS.HelpGen;

/// <summary>
/// Writes an about topic as the plain-text about_Name.help.txt Get-Help shows: TOPIC, SHORT DESCRIPTION, LONG
/// DESCRIPTION, the page's other sections as upper-case headings, SEE ALSO; text indented by 4 and wrapped at 80
/// columns (except the short description, which Get-Help reads as the synopsis and so stays on one line), code
/// blocks indented by 8 and kept as they are.
/// </summary>
public static class AboutTextWriter
{
    public const int Width = 80;
    private const string Indent = "    ";
    private const string CodeIndent = "        ";

    public static string Render(AboutTopicPage page)
    {
        var sb = new StringBuilder();
        Heading(sb, "TOPIC");
        sb.Append(Indent).Append(page.Name).Append('\n');
        Heading(sb, "SHORT DESCRIPTION");
        // One line, never wrapped: Get-Help takes the line after SHORT DESCRIPTION as the topic's synopsis.
        sb.Append(Indent).Append(page.ShortDescription).Append('\n');

        foreach (var section in page.Sections)
        {
            if (section.Level <= 2)
            {
                Heading(sb, section.Title.ToUpperInvariant());
            }
            else
            {
                sb.Append('\n').Append(Indent).Append(section.Title).Append('\n');
                sb.Append(Indent).Append(new string('-', section.Title.Length)).Append('\n');
            }
            var first = true;
            foreach (var paragraph in MarkdownText.ToParagraphs(section.Blocks))
            {
                if (!first || section.Level > 2) sb.Append('\n');
                first = false;
                WriteParagraph(sb, paragraph);
            }
        }

        Heading(sb, "SEE ALSO");
        foreach (var entry in page.SeeAlso) sb.Append(Indent).Append(entry).Append('\n');
        return sb.ToString();
    }

    public static void Write(AboutTopicPage page, string path) =>
        File.WriteAllText(path, Render(page), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));

    private static void Heading(StringBuilder sb, string title)
    {
        if (sb.Length > 0) sb.Append('\n');
        sb.Append(title).Append('\n');
    }

    private static void WriteParagraph(StringBuilder sb, Paragraph paragraph)
    {
        switch (paragraph.Kind)
        {
            case ParagraphKind.Verbatim:
                foreach (var line in paragraph.Lines) sb.Append(line.Length == 0 ? string.Empty : CodeIndent + line).Append('\n');
                break;
            case ParagraphKind.List:
                foreach (var item in paragraph.Lines)
                {
                    var nested = item.StartsWith("  ", StringComparison.Ordinal);
                    var text = item.TrimStart();
                    var space = text.IndexOf(' ', StringComparison.Ordinal);
                    var marker = space > 0 ? text.Substring(0, space + 1) : "- ";
                    var body = space > 0 ? text.Substring(space + 1) : text;
                    var first = Indent + (nested ? "  " : string.Empty) + marker;
                    Wrap(sb, body, first, new string(' ', first.Length));
                }
                break;
            case ParagraphKind.Heading:
                sb.Append(Indent).Append(paragraph.Text).Append('\n');
                break;
            default:
                foreach (var line in paragraph.Text.Split('\n')) Wrap(sb, line, Indent, Indent);
                break;
        }
    }

    /// <summary>Word-wraps <paramref name="text"/> at <see cref="Width"/>; a word longer than a line stays whole.</summary>
    private static void Wrap(StringBuilder sb, string text, string firstIndent, string indent)
    {
        var words = Words(text);
        var line = new StringBuilder(firstIndent);
        var empty = true;
        foreach (var word in words)
        {
            if (!empty && line.Length + 1 + word.Length > Width)
            {
                sb.Append(line).Append('\n');
                line.Clear().Append(indent);
                empty = true;
            }
            if (!empty) line.Append(' ');
            line.Append(word);
            empty = false;
        }
        if (!empty) sb.Append(line).Append('\n');
    }

    /// <summary>Splits at spaces, keeping an inline `code span` in one piece so a command is never broken.</summary>
    private static List<string> Words(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var ticks = 0;
        foreach (var token in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (current.Length > 0) current.Append(' ');
            current.Append(token);
            ticks += token.Count(c => c == '`');
            if (ticks % 2 == 0)
            {
                words.Add(current.ToString());
                current.Clear();
                ticks = 0;
            }
        }
        if (current.Length > 0) words.AddRange(current.ToString().Split(' '));
        return words;
    }
}
