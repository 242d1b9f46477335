using System.Management.Automation;
using System.Reflection;
using XenPS.HelpGen;
using Xunit;

namespace XenPS.Tests;

/// <summary>Every cmdlet has a PlatyPS page documenting exactly its parameters, and Get-Help shows that page.</summary>
public sealed class HelpTests : EngineTest
{
    private static readonly HashSet<string> Common = new(StringComparer.OrdinalIgnoreCase)
    {
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
        "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable", "WhatIf", "Confirm",
    };

    private static string DocsDir =>
        Path.Combine(typeof(HelpTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "RepoRoot").Value!, "docs", "en-US");

    private Dictionary<string, CommandInfo> Cmdlets() =>
        Run("Get-Command -Module XenPS").Output.Select(o => (CommandInfo)o.BaseObject).ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);

    [Fact]
    public void EveryCmdletAndParameterHasAPageAndNoPageDocumentsAParameterThatDoesNotExist()
    {
        var docs = HelpDocumentSet.Load(DocsDir);
        var problems = new List<string>();
        var cmdlets = Cmdlets();
        Assert.NotEmpty(cmdlets);
        foreach (var (name, info) in cmdlets)
        {
            var page = docs.FindCommand(name);
            if (page is null)
            {
                problems.Add($"{name}: no page docs/en-US/{name}.md");
                continue;
            }
            var real = info.Parameters.Keys.Where(p => !Common.Contains(p)).ToHashSet(StringComparer.OrdinalIgnoreCase);
            // -WhatIf and -Confirm get PlatyPS's standard sections; the other common parameters are not documented per cmdlet.
            var documented = page.Parameters.Select(p => p.Name.TrimStart('-')).Where(p => !Common.Contains(p)).ToHashSet(StringComparer.OrdinalIgnoreCase);
            problems.AddRange(real.Except(documented).Select(p => $"{name}: parameter -{p} has no section"));
            problems.AddRange(documented.Except(real).Select(p => $"{name}: the page documents -{p}, which does not exist"));
            if (page.Examples.Count == 0) problems.Add($"{name}: no example");
            if ((info.Parameters.ContainsKey("WhatIf") || info.Parameters.ContainsKey("Confirm")) && !page.Syntax.Any(s => s.Text.Contains("-WhatIf", StringComparison.Ordinal)))
                problems.Add($"{name}: the syntax does not show -WhatIf/-Confirm");
        }
        foreach (var page in docs.Commands.Where(p => !cmdlets.ContainsKey(p.Name)))
            problems.Add($"{page.Name}: a page for a cmdlet the module does not have");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void GetHelpShowsTheShippedHelpForEveryCmdlet()
    {
        var docs = HelpDocumentSet.Load(DocsDir);
        foreach (var name in Cmdlets().Keys)
        {
            var r = Run($"Get-Help {name} -Full");
            dynamic help = Assert.Single(r.Output);
            var page = docs.FindCommand(name)!;
            Assert.Equal(page.Synopsis, ((string)help.Synopsis).Trim());
            Assert.Contains("MamlCommandHelpInfo", r.Output[0].TypeNames[0], StringComparison.Ordinal);
            Assert.Equal(page.Examples.Count, ((object[])help.examples.example).Length);
        }
    }

    [Fact]
    public void TheAboutTopicIsShipped()
    {
        var r = Run("Get-Help about_XenPS | ForEach-Object { $_.ToString() }");
        var text = string.Join("\n", r.Output.Select(o => o.ToString()));
        Assert.Contains("SHORT DESCRIPTION", text, StringComparison.Ordinal);
        Assert.Contains("XENPS_XL_PATH", text, StringComparison.Ordinal);
    }
}
