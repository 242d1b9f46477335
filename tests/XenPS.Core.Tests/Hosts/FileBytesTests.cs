using System.Text;
using XenPS.Core.Hosts;
using Xunit;

namespace XenPS.Core.Tests.Hosts;

public sealed class FileBytesTests
{
    [Fact]
    public void AnyBytesRoundTripExactly()
    {
        var random = new Random(7);
        for (var run = 0; run < 2000; run++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            // Bias towards UTF-8 lead and continuation bytes, where the edge cases are.
            for (var i = 0; i < bytes.Length; i++) if (random.Next(3) == 0) bytes[i] = (byte)(0x80 | bytes[i]);
            Assert.Equal(bytes, FileBytes.Encode(FileBytes.Decode(bytes)));
        }
    }

    [Theory]
    [InlineData("ünïcödé ✓ 😀 \u0000 \u007f \u0080 \u07ff \u0800 \uffff")]
    [InlineData("")]
    [InlineData("plain ascii\r\n")]
    public void ValidUtf8ReadsAsItsCharacters(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        Assert.Equal(text, FileBytes.Decode(bytes));
        Assert.Equal(bytes, FileBytes.Encode(text));
    }

    [Theory]
    [InlineData(new byte[] { 0xE9 })]                   // Latin-1 é
    [InlineData(new byte[] { 0xC0, 0x80 })]             // overlong NUL
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]       // an encoded surrogate
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })] // above U+10FFFF
    [InlineData(new byte[] { 0xE2, 0x82 })]             // cut short
    [InlineData(new byte[] { 0x80 })]                   // a lone continuation byte
    [InlineData(new byte[] { 0xFF, 0xFE })]
    public void EachByteOfAnInvalidSequenceStandsForItself(byte[] bytes)
    {
        var text = FileBytes.Decode(bytes);
        Assert.Equal(bytes.Length, text.Length);
        Assert.All(text, c => Assert.True(FileBytes.IsEscapedByte(c)));
        Assert.Equal(bytes, FileBytes.Encode(text));
    }

    [Fact]
    public void ALatin1LineKeepsItsBytesAroundAnEdit()
    {
        var bytes = Encoding.Latin1.GetBytes("# D\u00e9j\u00e0 vu\nkey=\"a\"\n");
        var text = FileBytes.Decode(bytes).Replace("key=\"a\"", "key=\"\u00fc\"", StringComparison.Ordinal);
        // The untouched line keeps its Latin-1 bytes; the new value is UTF-8.
        Assert.Equal(Encoding.Latin1.GetBytes("# D\u00e9j\u00e0 vu\n").Concat(Encoding.UTF8.GetBytes("key=\"\u00fc\"\n")), FileBytes.Encode(text));
    }

    [Fact]
    public void OctalDumpsAreParsedAndBadOnesRefused()
    {
        Assert.Equal(new byte[] { 0x00, 0x0a, 0xff, 0x41 }, FileBytes.FromOctalDump(" 00 0a ff\n 41\n"));
        Assert.Empty(FileBytes.FromOctalDump(""));
        Assert.Throws<FormatException>(() => FileBytes.FromOctalDump(" 0g\n"));
        Assert.Throws<FormatException>(() => FileBytes.FromOctalDump(" 001\n"));
        Assert.Throws<FormatException>(() => FileBytes.FromOctalDump("od: error"));
    }

    [Fact]
    public void Sha256IsLowerCaseHex() =>
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", FileBytes.Sha256(Encoding.ASCII.GetBytes("abc")));
}
