using System;
using System.Globalization;
using System.Linq;
using System.Text;
using BenchmarkDotNet.Running;

namespace XenPS.Benchmarks;

public static class Program
{
    /// <summary>
    /// dotnet run -c Release -- --filter '*' [--job short]; `-- --sizes` prints the input sizes instead.
    /// </summary>
    public static void Main(string[] args)
    {
        if (args.Contains("--sizes"))
        {
            foreach (var n in new[] { 10, 1_000, 10_000 })
            {
                Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,6} domains: xl list {1,10:N0} bytes, xl list -l {2,12:N0} bytes",
                    n, Encoding.UTF8.GetByteCount(Inputs.XlList(n)), Encoding.UTF8.GetByteCount(Inputs.XlListLong(n))));
            }
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
