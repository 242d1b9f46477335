using System.Text;

namespace XenPS.Core.Tests.Config;

/// <summary>The xl.cfg fixtures of Data/configs (see its README.md), read byte for byte.</summary>
internal static class ConfigFixtures
{
    public static string Directory => Path.Combine(TestData.Root, "configs");

    /// <summary>Strict UTF-8: no BOM handling, no replacement characters.</summary>
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static byte[] Bytes(string name) => File.ReadAllBytes(Path.Combine(Directory, name));

    public static string Text(string name) => Utf8.GetString(Bytes(name));

    public static byte[] Encode(string text) => Utf8.GetBytes(text);

    /// <summary>Every valid fixture (top level of Data/configs).</summary>
    public static IEnumerable<object[]> Valid() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.cfg")
            .Select(Path.GetFileName)
            .OrderBy(n => n, StringComparer.Ordinal)
            .Select(n => new object[] { n! });

    public static IEnumerable<string> ValidNames => Valid().Select(o => (string)o[0]);
}
