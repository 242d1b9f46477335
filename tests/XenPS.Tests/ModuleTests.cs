using System.Management.Automation;
using XenPS.Tests.Hosting;
using Xunit;

namespace XenPS.Tests;

public sealed class ModuleTests : EngineTest
{
    private static string ModuleDir => Path.GetDirectoryName(Engine.ModuleManifest)!;

    [Fact]
    public void ManifestIsValidAndExportsExactlyTheCmdletsOfTheAssembly()
    {
        var r = Run($"Test-ModuleManifest -Path '{Engine.ModuleManifest}'");
        Assert.Empty(r.Errors);
        var info = (PSModuleInfo)Assert.Single(r.Output).BaseObject;
        var versionInPsd1 = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(Engine.ModuleManifest), @"ModuleVersion\s*=\s*'([^']+)'").Groups[1].Value;
        Assert.Equal(Version.Parse(versionInPsd1), info.Version);
        Assert.Equal("7.4", info.PowerShellVersion.ToString());
        Assert.Equal(new[] { "Core" }, info.CompatiblePSEditions);

        // Every cmdlet class in the module's assembly, as the engine loaded it.
        var cmdlets = Run("(Get-Module XenPS).ImplementingAssembly.GetTypes() | ForEach-Object { " +
                          "$a = $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false); " +
                          "if ($a) { $a[0].VerbName + '-' + $a[0].NounName } }")
            .Output.Select(o => (string)o.BaseObject).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(cmdlets);
        Assert.Equal(cmdlets, info.ExportedCmdlets.Keys.OrderBy(n => n, StringComparer.Ordinal).ToArray());
        Assert.Empty(info.ExportedFunctions);
        Assert.Empty(info.ExportedAliases);
        Assert.Empty(info.ExportedVariables);

        var psData = (System.Collections.Hashtable)((System.Collections.Hashtable)info.PrivateData)["PSData"]!;
        var tags = ((object[])psData["Tags"]!).Cast<string>().ToArray();
        foreach (var tag in new[] { "Xen", "FreeBSD", "Hypervisor", "Virtualization", "PSEdition_Core" }) Assert.Contains(tag, tags);
        Assert.NotNull(psData["ProjectUri"]);
        Assert.NotNull(psData["LicenseUri"]);
        Assert.NotNull(psData["ReleaseNotes"]);
    }

    [Fact]
    public void TheModuleFolderShipsOnlyWhatItMust()
    {
        var files = Directory.GetFiles(ModuleDir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(ModuleDir, f)).OrderBy(f => f, StringComparer.Ordinal).ToArray();
        var expected = new[]
        {
            "CliWrap.dll", "DiffPlex.dll", "XenPS.Core.dll", "XenPS.Format.ps1xml", "XenPS.Types.ps1xml", "XenPS.dll", "XenPS.psd1",
        };
        Assert.Equal(expected, files.Where(f => !f.StartsWith("en-US", StringComparison.Ordinal)).ToArray());
        Assert.DoesNotContain(files, f => f.Contains("System.Management.Automation", StringComparison.Ordinal));
        // net8.0 assemblies (the runtime of pwsh 7.4): no netstandard2.0 build whose dependencies pull in polyfills
        // or Windows-only libraries (CliWrap's netstandard2.0 build brings System.Management and System.CodeDom).
        foreach (var dll in new[] { "XenPS.dll", "XenPS.Core.dll", "CliWrap.dll" })
        {
            var framework = TargetFramework(Path.Combine(ModuleDir, dll));
            Assert.True(framework is ".NETCoreApp,Version=v8.0" or ".NETCoreApp,Version=v7.0" or ".NETCoreApp,Version=v6.0", $"{dll}: {framework}");
        }
    }

    /// <summary>The [TargetFramework] of an assembly, read from its metadata without loading it.</summary>
    private static string? TargetFramework(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
        var md = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
        foreach (var handle in md.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attribute = md.GetCustomAttribute(handle);
            if (attribute.Constructor.Kind != System.Reflection.Metadata.HandleKind.MemberReference) continue;
            var ctor = md.GetMemberReference((System.Reflection.Metadata.MemberReferenceHandle)attribute.Constructor);
            var type = md.GetTypeReference((System.Reflection.Metadata.TypeReferenceHandle)ctor.Parent);
            if (md.GetString(type.Name) != "TargetFrameworkAttribute") continue;
            var blob = md.GetBlobReader(attribute.Value);
            blob.ReadUInt16(); // prolog
            return blob.ReadSerializedString();
        }
        return null;
    }

    [Fact]
    public void FormatAndTypeFilesAreLoaded()
    {
        var r = Run("$m = Get-Module XenPS; $m.ExportedFormatFiles; $m.ExportedTypeFiles");
        Assert.Contains(r.Output, o => o.BaseObject is string s && s.EndsWith("XenPS.Format.ps1xml", StringComparison.Ordinal));
        Assert.Contains(r.Output, o => o.BaseObject is string s && s.EndsWith("XenPS.Types.ps1xml", StringComparison.Ordinal));
    }
}
