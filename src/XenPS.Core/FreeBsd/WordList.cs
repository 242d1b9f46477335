using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace XenPS.Core.FreeBsd;

/// <summary>A space-separated list of options inside one value, e.g. the Xen command line in
/// <c>xen_cmdline="dom0_mem=8192M dom0_max_vcpus=4 dom0=pvh console=com1,vga com1=115200,8n1"</c>.
/// A word is an option <c>key=value</c> or a flag <c>key</c>; its key is the text before the first '='.
/// Editing keeps every word it is not asked to touch, their order and the spacing between them.</summary>
public sealed class WordList
{
    // Each word with the whitespace before it; Trailing is the whitespace after the last word.
    private readonly List<Item> _items = new();
    private string _trailing = string.Empty;

    private WordList() { }

    public static WordList Parse(string? value)
    {
        var list = new WordList();
        if (string.IsNullOrEmpty(value)) return list;
        var text = value!;
        var i = 0;
        while (i < text.Length)
        {
            var sepStart = i;
            while (i < text.Length && IsSeparator(text[i])) i++;
            var sep = text.Substring(sepStart, i - sepStart);
            if (i == text.Length)
            {
                list._trailing = sep;
                break;
            }
            var wordStart = i;
            while (i < text.Length && !IsSeparator(text[i])) i++;
            list._items.Add(new Item(sep, text.Substring(wordStart, i - wordStart)));
        }
        return list;
    }

    public int Count => _items.Count;

    public IReadOnlyList<string> Words => _items.Select(i => i.Word).ToList();

    /// <summary>True when a word has this key (<c>key</c> or <c>key=...</c>).</summary>
    public bool Contains(string key) => _items.Any(i => KeyOf(i.Word) == key);

    /// <summary>The value of the last word with this key (the one Xen uses when a key repeats): false when absent;
    /// value is null for a flag (<c>key</c> without '=').</summary>
    public bool TryGetValue(string key, out string? value)
    {
        for (var n = _items.Count - 1; n >= 0; n--)
        {
            var word = _items[n].Word;
            if (KeyOf(word) != key) continue;
            var eq = word.IndexOf('=');
            value = eq < 0 ? null : word.Substring(eq + 1);
            return true;
        }
        value = null;
        return false;
    }

    /// <summary>Sets <c>key=value</c> (value null: the flag <c>key</c>): the first word with this key is replaced in
    /// place and later ones are removed; when there is none, the word is added at the end.</summary>
    public WordList Set(string key, string? value)
    {
        CheckKey(key);
        if (value is not null) CheckWord(value, nameof(value));
        var word = value is null ? key : key + "=" + value;
        var first = _items.FindIndex(i => KeyOf(i.Word) == key);
        if (first < 0)
        {
            _items.Add(new Item(_items.Count == 0 ? string.Empty : " ", word));
            return this;
        }
        _items[first] = new Item(_items[first].Separator, word);
        for (var n = _items.Count - 1; n > first; n--)
        {
            if (KeyOf(_items[n].Word) == key) _items.RemoveAt(n);
        }
        return this;
    }

    /// <summary>Adds the flag <c>flag</c> (a word without '='); same rules as <see cref="Set"/> with a null value.</summary>
    public WordList AddFlag(string flag) => Set(flag, null);

    /// <summary>Removes every word with this key (<c>key</c> and <c>key=...</c>).</summary>
    public WordList Remove(string key)
    {
        CheckKey(key);
        for (var n = _items.Count - 1; n >= 0; n--)
        {
            if (KeyOf(_items[n].Word) != key) continue;
            if (n == 0 && _items.Count > 1) _items[1] = new Item(_items[0].Separator, _items[1].Word);
            _items.RemoveAt(n);
        }
        return this;
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var item in _items) sb.Append(item.Separator).Append(item.Word);
        return sb.Append(_items.Count == 0 ? string.Empty : _trailing).ToString();
    }

    private static string KeyOf(string word)
    {
        var eq = word.IndexOf('=');
        return eq < 0 ? word : word.Substring(0, eq);
    }

    private static bool IsSeparator(char c) => c == ' ' || c == '\t';

    private static void CheckKey(string key)
    {
        if (key is null) throw new ArgumentNullException(nameof(key));
        if (key.Length == 0 || key.IndexOf('=') >= 0) throw new ArgumentException($"Invalid option name {ConfigText.Show(key)}: it must be non-empty and hold no '='.", nameof(key));
        CheckWord(key, nameof(key));
    }

    private static void CheckWord(string word, string parameter)
    {
        if (word.Any(c => IsSeparator(c) || ConfigText.IsControl(c)))
            throw new ArgumentException($"Invalid option text {ConfigText.Show(word)}: an option cannot hold spaces or control characters.", parameter);
    }

    private readonly struct Item
    {
        public Item(string separator, string word)
        {
            Separator = separator;
            Word = word;
        }

        public string Separator { get; }
        public string Word { get; }
    }
}
