using System;
using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using XenPS.Core.Parsing;

namespace XenPS.Benchmarks;

/// <summary>Parsing `xl list` and `xl list -l` of 10, 1 000 and 10 000 domains; the inputs are built in GlobalSetup.</summary>
[MemoryDiagnoser]
public class ParserBenchmarks
{
    private string list = string.Empty;
    private string json = string.Empty;
    private (int Start, int Length)[] configTexts = Array.Empty<(int, int)>();

    [Params(10, 1_000, 10_000)]
    public int Domains { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        list = Inputs.XlList(Domains);
        json = Inputs.XlListLong(Domains);
        // Check the inputs once, outside the measured code.
        if (XlListParser.Parse(list).Count != Domains) throw new InvalidOperationException("xl list input does not parse to " + Domains + " domains");
        var configs = XlListJsonParser.Parse(json);
        if (configs.Count != Domains || configs[Domains - 1].Name != Inputs.Name(Domains - 1))
            throw new InvalidOperationException("xl list -l input does not parse to " + Domains + " domains");

        // Where each domain's "config" text lies in the input, for JsonTextOnly.
        configTexts = new (int, int)[configs.Count];
        var at = 0;
        for (var i = 0; i < configs.Count; i++)
        {
            at = json.IndexOf(configs[i].Json!, at, StringComparison.Ordinal);
            configTexts[i] = (at, configs[i].Json!.Length);
            at += configs[i].Json!.Length;
        }
    }

    /// <summary>xl list (the table).</summary>
    [Benchmark]
    public int XlList() => XlListParser.Parse(list).Count;

    /// <summary>xl list -l as XlClient parses it: keeping each domain's JSON text.</summary>
    [Benchmark]
    public int XlListLong() => XlListJsonParser.Parse(json).Count;

    /// <summary>xl list -l without keeping the JSON text.</summary>
    [Benchmark]
    public int XlListLongNoJson() => XlListJsonParser.Parse(json, keepJson: false).Count;

    /// <summary>
    /// No parsing: only cuts every domain's JSON text out of the input and keeps it, as XlListLong must (the
    /// XlDomainConfig.Json strings). The floor under XlListLong - XlListLongNoJson, mostly allocation and GC.
    /// </summary>
    [Benchmark]
    public int JsonTextOnly()
    {
        var texts = new List<string>(configTexts.Length);
        foreach (var (start, length) in configTexts) texts.Add(json.Substring(start, length));
        return texts.Count;
    }
}
