using System.Collections.Generic;

namespace XenPS.HelpGen;

/// <summary>One parameter set of the SYNTAX section: "### Name (Default)" and its syntax block.</summary>
public sealed class SyntaxItem
{
    internal SyntaxItem(string parameterSetName, bool isDefault, string text, IReadOnlyList<SyntaxParameter> parameters, int line)
    {
        ParameterSetName = parameterSetName;
        IsDefault = isDefault;
        Text = text;
        Parameters = parameters;
        Line = line;
    }

    /// <summary>The set's name as PowerShell knows it ("__AllParameterSets" for a command without named sets).</summary>
    public string ParameterSetName { get; }

    public bool IsDefault { get; }

    /// <summary>The syntax line(s) exactly as written in the page.</summary>
    public string Text { get; }

    /// <summary>The parameters the syntax lists, in its order (without [&lt;CommonParameters&gt;]).</summary>
    public IReadOnlyList<SyntaxParameter> Parameters { get; }

    public int Line { get; }

    public override string ToString() => ParameterSetName;
}

/// <summary>A parameter as a syntax line shows it: [[-Name] &lt;String[]&gt;], -Id &lt;Int32[]&gt;, [-Detailed].</summary>
public sealed class SyntaxParameter
{
    internal SyntaxParameter(string name, string? typeName, bool isRequired, bool isPositional)
    {
        Name = name;
        TypeName = typeName;
        IsRequired = isRequired;
        IsPositional = isPositional;
    }

    public string Name { get; }

    /// <summary>The type between angle brackets; null for a switch.</summary>
    public string? TypeName { get; }

    public bool IsRequired { get; }

    public bool IsPositional { get; }

    public bool IsSwitch => TypeName is null;

    public override string ToString() => Name;
}

/// <summary>How a parameter behaves in one parameter set (the ParameterSets list of the parameter's yaml block).</summary>
public sealed class ParameterSetInfo
{
    internal ParameterSetInfo(string name, string position, bool isRequired, bool valueFromPipeline, bool valueFromPipelineByPropertyName, bool valueFromRemainingArguments)
    {
        Name = name;
        Position = position;
        IsRequired = isRequired;
        ValueFromPipeline = valueFromPipeline;
        ValueFromPipelineByPropertyName = valueFromPipelineByPropertyName;
        ValueFromRemainingArguments = valueFromRemainingArguments;
    }

    /// <summary>The set's name, or "(All)" for every set.</summary>
    public string Name { get; }

    /// <summary>"Named" or a number.</summary>
    public string Position { get; }

    public bool IsNamed => string.Equals(Position, "Named", System.StringComparison.OrdinalIgnoreCase);

    public bool IsRequired { get; }

    public bool ValueFromPipeline { get; }

    public bool ValueFromPipelineByPropertyName { get; }

    public bool ValueFromRemainingArguments { get; }

    public bool AppliesToAllSets => Name is "(All)" or "__AllParameterSets";

    public override string ToString() => Name;
}

/// <summary>A documented parameter: "### -Name", its description and its yaml metadata.</summary>
public sealed class ParameterHelp
{
    internal ParameterHelp(string name, string description, IReadOnlyList<string> descriptionParagraphs, string type, string defaultValue,
        bool supportsWildcards, IReadOnlyList<string> aliases, IReadOnlyList<ParameterSetInfo> parameterSets, bool dontShow,
        IReadOnlyList<string> acceptedValues, string helpMessage, int line)
    {
        Name = name;
        Description = description;
        DescriptionParagraphs = descriptionParagraphs;
        Type = type;
        DefaultValue = defaultValue;
        SupportsWildcards = supportsWildcards;
        Aliases = aliases;
        ParameterSets = parameterSets;
        DontShow = dontShow;
        AcceptedValues = acceptedValues;
        HelpMessage = helpMessage;
        Line = line;
    }

    /// <summary>The name without the leading '-'.</summary>
    public string Name { get; }

    /// <summary>The description as markdown, exactly as written.</summary>
    public string Description { get; }

    /// <summary>The description as plain-text paragraphs (what Get-Help shows).</summary>
    public IReadOnlyList<string> DescriptionParagraphs { get; }

    /// <summary>The full .NET type name, e.g. System.String[] or System.Management.Automation.SwitchParameter.</summary>
    public string Type { get; }

    public bool IsSwitch => Type is "System.Management.Automation.SwitchParameter" or "SwitchParameter";

    /// <summary>The DefaultValue entry ("None" or "" when there is none).</summary>
    public string DefaultValue { get; }

    public bool SupportsWildcards { get; }

    public IReadOnlyList<string> Aliases { get; }

    public IReadOnlyList<ParameterSetInfo> ParameterSets { get; }

    public bool DontShow { get; }

    public IReadOnlyList<string> AcceptedValues { get; }

    public string HelpMessage { get; }

    /// <summary>The line of the "### -Name" heading.</summary>
    public int Line { get; }

    public override string ToString() => "-" + Name;
}

/// <summary>One example: "### Example N: Title", then code blocks and text in any order.</summary>
public sealed class ExampleHelp
{
    internal ExampleHelp(int number, string title, IReadOnlyList<string> code, IReadOnlyList<string> remarks, int line)
    {
        Number = number;
        Title = title;
        Code = code;
        Remarks = remarks;
        Line = line;
    }

    /// <summary>The number in the heading (its position when the heading has none).</summary>
    public int Number { get; }

    /// <summary>The title without the "Example N:" prefix.</summary>
    public string Title { get; }

    /// <summary>The PowerShell code blocks.</summary>
    public IReadOnlyList<string> Code { get; }

    /// <summary>The text paragraphs and output blocks, in page order.</summary>
    public IReadOnlyList<string> Remarks { get; }

    public int Line { get; }

    public override string ToString() => $"Example {Number}: {Title}";
}

/// <summary>An INPUTS or OUTPUTS entry: "### TypeName" and what it means.</summary>
public sealed class TypeHelp
{
    internal TypeHelp(string typeName, IReadOnlyList<string> description, int line)
    {
        TypeName = typeName;
        Description = description;
        Line = line;
    }

    public string TypeName { get; }

    public IReadOnlyList<string> Description { get; }

    public int Line { get; }

    public override string ToString() => TypeName;
}

/// <summary>A RELATED LINKS entry.</summary>
public sealed class RelatedLink
{
    internal RelatedLink(string text, string uri)
    {
        Text = text;
        Uri = uri;
    }

    public string Text { get; }

    /// <summary>The link target as written (a URL, or a relative .md page).</summary>
    public string Uri { get; }

    public bool IsAbsolute => Uri.StartsWith("http://", System.StringComparison.OrdinalIgnoreCase) || Uri.StartsWith("https://", System.StringComparison.OrdinalIgnoreCase);

    public override string ToString() => Text;
}
