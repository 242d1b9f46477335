using XenPS.Core.Execution;
using Xunit;

namespace XenPS.Core.Tests;

/// <summary>The one name rule (<see cref="XenDomainName"/>): what it allows, what it refuses and the reason it gives.</summary>
public class XenDomainNameTests
{
    [Theory]
    [InlineData("web01")]
    [InlineData("WEB01")]
    [InlineData("a")]
    [InlineData("7a")]
    [InlineData("a7")]
    [InlineData("db.example.org")]
    [InlineData("svc_1+2@rack:3-b")]
    [InlineData("a..b")]
    [InlineData("freebsd-14.1")]
    [InlineData("x--incomingx")]
    [InlineData("Domain-00")]
    [InlineData("d123456789012345678901234567890123456789012345678901234567890123")]
    public void NamesTheRuleAllows(string name)
    {
        Assert.True(XenDomainName.IsValid(name), XenDomainName.Problem(name));
        Assert.Null(XenDomainName.Problem(name));
        XenDomainName.Validate(name);
        Assert.Equal(name, XenDomainName.Display(name));
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("web 01", "contains white space")]
    [InlineData("web\t01", "contains a control character (U+0009)")]
    [InlineData("web\n01", "contains a control character (U+000A)")]
    [InlineData("a/b", "contains '/', which no file name can hold")]
    [InlineData("../etc", "contains '/', which no file name can hold")]
    [InlineData("q'uote", "contains a quote")]
    [InlineData("q\"uote", "contains a quote")]
    [InlineData("back`tick", "contains a quote")]
    [InlineData("a;reboot", "contains ';'")]
    [InlineData("$(id)", "contains '$'")]
    [InlineData("a*", "contains '*'")]
    [InlineData("a\\b", "contains '\\'")]
    [InlineData("café", "contains 'é' (only ASCII letters, digits and . _ + @ : - are allowed)")]
    [InlineData("-rf", "starts with '-' (it must start with a letter or a digit)")]
    [InlineData(".hidden", "starts with '.' (it must start with a letter or a digit)")]
    [InlineData("..", "starts with '.' (it must start with a letter or a digit)")]
    [InlineData("_x", "starts with '_' (it must start with a letter or a digit)")]
    [InlineData("5", "is only digits: xl reads an all-digit name as a domain id")]
    [InlineData("12345", "is only digits: xl reads an all-digit name as a domain id")]
    [InlineData("Domain-0", "is Domain-0, the name of the Dom0 itself")]
    [InlineData("domain-0", "is Domain-0, the name of the Dom0 itself")]
    [InlineData("web01--incoming", "ends in '--incoming', which xl gives a domain while it is migrated")]
    [InlineData("web01--migratedaway", "ends in '--migratedaway', which xl gives a domain while it is migrated")]
    public void NamesTheRuleRefusesWithTheReason(string name, string reason)
    {
        Assert.False(XenDomainName.IsValid(name));
        Assert.Equal(reason, XenDomainName.Problem(name));
        var e = Assert.Throws<XenException>(() => XenDomainName.Validate(name));
        Assert.Equal("XenInvalidDomainName", e.ErrorId);
        Assert.Equal(XenErrorKind.InvalidArgument, e.Kind);
        Assert.StartsWith($"{XenDomainName.Quote(name)} cannot be a domain name: it {reason}. ", e.Message, StringComparison.Ordinal);
        Assert.EndsWith(XenDomainName.Rule, e.Message, StringComparison.Ordinal);
        // Nothing a name holds can break the message's line.
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void NullAndTooLongNamesAreRefused()
    {
        Assert.Equal("is empty", XenDomainName.Problem(null));
        var name = new string('a', 65);
        Assert.Equal("has 65 characters (at most 64)", XenDomainName.Problem(name));
        Assert.True(XenDomainName.IsValid(new string('a', 64)));
    }

    [Fact]
    public void ValidateSaysWhereTheNameCameFrom()
    {
        var e = Assert.Throws<XenException>(() => XenDomainName.Validate("my vm", "The name in /etc/xen/a.cfg"));
        Assert.StartsWith("The name in /etc/xen/a.cfg ('my vm') cannot be a domain name: it contains white space.", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("web01", "web01")]
    [InlineData("7", "7")]
    [InlineData("Domain-0", "Domain-0")]
    [InlineData("my vm", "'my vm'")]
    [InlineData("it's", "'it\\'s'")]
    [InlineData("a\nb\u001b[31m", "'a\\x0ab\\x1b[31m'")]
    [InlineData("-x", "'-x'")]
    [InlineData("", "''")]
    public void DisplayQuotesWhatNeedsQuotesAndEscapesControlCharacters(string name, string shown)
    {
        Assert.Equal(shown, XenDomainName.Display(name));
        Assert.DoesNotContain(XenDomainName.Quote(name), c => char.IsControl(c));
    }
}
