using System.Collections;
using System.Reflection;
using XenPS.Core.Config;
using XenPS.Core.Execution;
using Xunit;

namespace XenPS.Core.Tests.Config;

/// <summary>A config object says whether it has a password but never gives it through a property or its ToString;
/// the file text (ToFileText) keeps it byte for byte.</summary>
public sealed class XenDomUConfigSecretTests
{
    private static string Secrets(string name) => File.ReadAllText(Path.Combine(TestData.Captures, "secrets", name));

    [Theory]
    [InlineData("secpv.cfg", "PvS3cr3t", true, false)]
    [InlineData("sechvm.cfg", "HvS3cr3t", true, false)]
    [InlineData("secspice.cfg", "Sp1ceS3cr", false, true)]
    public void RealConfigsSayTheyHaveAPasswordWithoutGivingIt(string file, string password, bool vnc, bool spice)
    {
        var text = Secrets(file);
        var config = XenDomUConfig.Parse(text, "/etc/xen/" + file);
        Assert.Equal((vnc, spice), (config.HasVncPassword, config.HasSpicePassword));
        Assert.Equal(text, config.ToFileText());
        Assert.DoesNotContain(password, config.ToString(), StringComparison.Ordinal);
        Assert.Equal(text.Replace(password, SecretRedactor.Mask, StringComparison.Ordinal), config.ToString());
        Assert.Equal(new[] { password }, config.SecretValues);
        Assert.DoesNotContain(password, EveryPublicPropertyValue(config), StringComparison.Ordinal);
    }

    [Fact]
    public void NoPublicPropertyCarriesThePasswordAndTheSyntaxTreeIsNotPublic()
    {
        Assert.Null(typeof(XenDomUConfig).GetProperty("Document", BindingFlags.Public | BindingFlags.Instance));
        Assert.Null(typeof(XenDomUConfig).GetProperty("VncPassword", BindingFlags.Public | BindingFlags.Instance));
        var config = XenDomUConfig.Create("web01", XenDomainType.HVM, 512, 1);
        config.SetVncPassword("Ab1!Cd2?");
        config.SetSpicePassword("spice-pw-9");
        Assert.True(config.HasVncPassword && config.HasSpicePassword);
        Assert.Contains("vncpasswd = \"Ab1!Cd2?\"", config.ToFileText(), StringComparison.Ordinal);
        var shown = EveryPublicPropertyValue(config) + config;
        Assert.DoesNotContain("Ab1!Cd2?", shown, StringComparison.Ordinal);
        Assert.DoesNotContain("spice-pw-9", shown, StringComparison.Ordinal);
        config.SetVncPassword(null);
        config.SetSpicePassword("");
        Assert.False(config.HasVncPassword || config.HasSpicePassword);
        Assert.False(config.Contains("vncpasswd") || config.Contains("spicepasswd"));
    }

    [Theory]
    [InlineData("vncpasswd = \"\"\n", false)]
    [InlineData("vfb = [ 'vnc=1,vncpasswd=' ]\n", false)]
    [InlineData("vfb = [ 'vnc=1', 'vncpasswd=x' ]\n", true)]
    [InlineData("vfb = [ 'vnc=1, vncpasswd=x' ]\n", true)]
    [InlineData("vncpasswd = 1234\n", true)]
    public void HasVncPasswordReadsItAsXlDoes(string text, bool expected) => Assert.Equal(expected, XenDomUConfig.Parse(text).HasVncPassword);

    [Theory]
    [InlineData("name = \"a\"\nvncpasswd \"pw123456\"\n")]
    [InlineData("name = \"a\"\nvncpasswd = pw123456\n")]
    [InlineData("name = \"a\"\nvncpasswd = \"pw123456\" \"junk\"\n")]
    [InlineData("name = \"a\"\n\"vncpasswd=pw123456\"\n")]
    public void ASyntaxErrorNearAPasswordDoesNotQuoteIt(string text)
    {
        var ex = Assert.Throws<XenConfigSyntaxException>(() => XenDomUConfig.Parse(text, "/etc/xen/a.cfg"));
        Assert.DoesNotContain("pw123456", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw123456", ex.Detail, StringComparison.Ordinal);
        Assert.Contains("a.cfg:2:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEditShowsAPasswordChangeWithoutThePassword()
    {
        var config = XenDomUConfig.Parse("name = \"a\"\nvfb = [ 'vnc=1' ]\n");
        var edit = new XenDomUConfigEdit { VncPassword = "n3wpass" };
        edit.Settings["spicepasswd"] = "sp1cepw1";
        edit.Settings["vfb"] = new[] { "vnc=1,vncpasswd=vfbpass1" };
        var changes = string.Join("\n", edit.Apply(config));
        Assert.Contains("vncpasswd: (unset) -> ********", changes, StringComparison.Ordinal);
        Assert.Contains("spicepasswd: (unset) -> ********", changes, StringComparison.Ordinal);
        foreach (var p in new[] { "n3wpass", "sp1cepw1", "vfbpass1" }) Assert.DoesNotContain(p, changes, StringComparison.Ordinal);
        Assert.Equal(new[] { "n3wpass", "sp1cepw1", "vfbpass1" }, config.SecretValues.OrderBy(v => v, StringComparer.Ordinal));

        var tooLong = Assert.Throws<XenException>(() => new XenDomUConfigEdit { VncPassword = "123456789" }.Apply(config));
        Assert.DoesNotContain("123456789", tooLong.Message, StringComparison.Ordinal);
    }

    /// <summary>Every public property, recursively (what ConvertTo-Json and Export-Clixml read), as text.</summary>
    private static string EveryPublicPropertyValue(object? value, int depth = 0)
    {
        if (value is null || depth > 6) return string.Empty;
        if (value is string s) return s + "\n";
        var type = value.GetType();
        if (type.IsPrimitive || type.IsEnum || value is Guid) return value + "\n";
        var text = new System.Text.StringBuilder(value.ToString()).Append('\n');
        if (value is IEnumerable items)
        {
            foreach (var item in items) text.Append(EveryPublicPropertyValue(item, depth + 1));
            return text.ToString();
        }
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
            text.Append(property.Name).Append(": ").Append(EveryPublicPropertyValue(property.GetValue(value), depth + 1));
        return text.ToString();
    }
}
