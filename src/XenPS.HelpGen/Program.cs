using System;
using System.IO;

namespace XenPS.HelpGen;

/// <summary>XenPS.HelpGen &lt;docs/en-US dir&gt; &lt;output en-US dir&gt;. Exit codes: 0 written, 1 a page is malformed
/// (each problem on standard error as "file(line): error XHG001: message"), 2 wrong usage or an I/O failure.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is null || args.Length != 2 || args[0].Length == 0 || args[1].Length == 0)
        {
            Console.Error.WriteLine("usage: XenPS.HelpGen <docs/en-US directory> <output en-US directory>");
            Console.Error.WriteLine("Compiles PlatyPS 1.x markdown (cmdlet pages, about_*.md) into MAML help and about_*.help.txt.");
            return 2;
        }

        try
        {
            var result = HelpGenerator.Generate(Path.GetFullPath(args[0]), Path.GetFullPath(args[1]));
            Console.WriteLine($"XenPS.HelpGen: {result.CommandCount} command page(s), {result.AboutCount} about topic(s) -> {Path.GetFullPath(args[1])}");
            foreach (var file in result.Files) Console.WriteLine("  " + Path.GetFileName(file));
            return 0;
        }
        catch (HelpFormatException ex)
        {
            foreach (var diagnostic in ex.Diagnostics) Console.Error.WriteLine(diagnostic.ToString());
            Console.Error.WriteLine($"XenPS.HelpGen: {ex.Diagnostics.Count} problem(s) in the help pages; no help was written.");
            return 1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"XenPS.HelpGen: error XHG002: {ex.Message}");
            return 2;
        }
    }
}
