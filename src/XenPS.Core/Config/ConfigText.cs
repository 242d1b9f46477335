using System.Text.RegularExpressions;

namespace XenPS.Core.Config;

/// <summary>Config text as shown to people (-WhatIf, Verbose): passwords are never shown.</summary>
public static class ConfigText
{
    private static readonly Regex Password = new(@"(?m)^(\s*vncpasswd\s*=\s*)(""[^""]*""|'[^']*')", RegexOptions.CultureInvariant);
    private static readonly Regex SpicePassword = new(@"(?m)^(\s*spicepasswd\s*=\s*)(""[^""]*""|'[^']*')", RegexOptions.CultureInvariant);

    public static string MaskPasswords(string text) =>
        SpicePassword.Replace(Password.Replace(text, "$1\"********\""), "$1\"********\"");
}
