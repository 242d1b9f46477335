#!/usr/bin/python3
"""Prints the side-by-side tables and the target ratios of one benchmarks/fleet/run (its output folder) as markdown.

usage: report.py DIR
"""
import glob
import json
import os
import sys

ORDER = ["warm1", "warm", "cold", "detailed1", "detailed", "before_warm1", "before_warm", "before_detailed", "oneshot", "ansible_warm", "ansible_cold", "pssh_mux", "pssh",
         "xargs_mux", "loop"]


def fmt(ms):
    return f"{ms:,.0f}"


def main():
    out = sys.argv[1]
    runs = {}
    for path in glob.glob(os.path.join(out, "fleet-*.json")):
        with open(path) as f:
            data = json.load(f)
        key = os.path.basename(path)[len("fleet-"):-len(".json")]
        runs[key] = data
    machine = open(os.path.join(out, "machine.txt")).read().strip() if os.path.exists(os.path.join(out, "machine.txt")) else ""
    print("```\n" + machine + "\n```\n")

    sizes = sorted((k for k in runs if k.isdigit()), key=int)
    for size in sizes:
        r = runs[size]
        print(f"### {r['n']} hosts, -ThrottleLimit / -f / -p {r['throttle']} (load {r['load_start']} at the start, {r['load_end']} at the end)\n")
        print("| | median ms | min–max ms | first object ms | client CPU ms | server CPU ms | client PSS MB | ssh processes |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for key in ORDER + [k for k in r["rows"] if k not in ORDER]:
            row = r["rows"].get(key)
            if not row:
                continue
            mem = row.get("memory", {})
            first = row["first_ms"]["median"]
            print(f"| {row['label']} | **{fmt(row['ms']['median'])}** | {fmt(row['ms']['min'])}–{fmt(row['ms']['max'])} | "
                  f"{fmt(first) if first >= 0 else '–'} | {fmt(row['client_cpu_ms']['median'])} | {fmt(row['server_cpu_ms']['median'])} | "
                  f"{mem.get('peak_pss_mb', '–')} | {mem.get('peak_ssh', '–')} |")
        print(f"\nThe pwsh of the XenPS rows holds {r['pwsh_idle_pss_mb']} MB (PSS) before the first row; "
              f"Connect-XenHost to all {r['n']} took {fmt(r.get('connect_ms', 0))} ms.\n")

    print("### Target ratios (each from one fleet run)\n")
    print("| ratio | measured | target |")
    print("|---|---:|---|")

    def ms(size, key):
        return runs[size]["rows"][key]["ms"]["median"] if size in runs and key in runs[size]["rows"] else None

    cores = os.cpu_count() or 1
    for size, target in (("64", "≤ 1.5"), ("256", "≤ 3 (-ThrottleLimit 64)"), ("16", "")):
        a, b = ms(size, "warm"), ms(size, "warm1")
        if a and b:
            print(f"| warm Get-XenDomain, {size} hosts / 1 host | **{a / b:.2f}** | {target} |")
    # On loopback every server runs on the client's own cores: the wall time cannot be below (client CPU + server
    # CPU) / cores, whatever the client does. How far the warm run is from that bound is the client's share.
    for size in sizes:
        row = runs[size]["rows"].get("warm")
        if row:
            bound = (row["client_cpu_ms"]["median"] + row["server_cpu_ms"]["median"]) / cores
            if bound > 0:
                print(f"| warm Get-XenDomain, {size} hosts / this machine's CPU bound ((client + server CPU) / {cores} cores = {fmt(bound)} ms) | "
                      f"{row['ms']['median'] / bound:.2f} | 1 is the best a loopback fleet allows |")
    for size in sizes:
        w = ms(size, "warm")
        for key, name in (("ansible_warm", "Ansible -m raw, warm"), ("ansible_cold", "Ansible -m raw, cold"),
                          ("pssh", "parallel-ssh"), ("pssh_mux", "parallel-ssh through masters"),
                          ("xargs_mux", "xargs -P ssh through masters (floor)")):
            o = ms(size, key)
            if w and o:
                print(f"| {size} hosts: Get-XenDomain warm / {name} | **{w / o:.2f}** | < 1 for Ansible and parallel-ssh |")
        c, o = ms(size, "cold"), ms(size, "pssh")
        if c and o:
            print(f"| {size} hosts: Get-XenDomain cold / parallel-ssh (both new connections) | {c / o:.2f} | |")
        d = ms(size, "detailed")
        if w and d:
            print(f"| {size} hosts: Get-XenDomain -Detailed / Get-XenDomain | {d / w:.2f} | one round trip per host |")
    for size in sizes:
        for key, label in (("warm", "Get-XenDomain warm"), ("warm1", "Get-XenDomain warm, 1 host"), ("detailed", "Get-XenDomain -Detailed warm")):
            a, b = ms(size, key), ms(size, "before_" + key)
            if a and b:
                print(f"| {size} hosts: {label}, after / before the fixes | **{a / b:.2f}** | |")
    for size in sizes:
        a, b = ms(size, "before_warm"), ms(size, "before_warm1")
        if a and b:
            print(f"| before the fixes: warm Get-XenDomain, {size} hosts / 1 host | {a / b:.2f} | |")
    mem = []
    for size in sizes:
        row = runs[size]["rows"].get("warm", {})
        if "memory" in row:
            delta = row["memory"]["peak_pss_mb"] - runs[size]["pwsh_idle_pss_mb"]
            mem.append(f"{size}: {delta:.1f} MB ({delta * 1024 / int(size):.0f} kB/host)")
    if mem:
        print(f"| client memory above the idle pwsh, warm | {'; '.join(mem)} | linear in hosts |")
    if "dead" in runs:
        r = runs["dead"]
        live, dead = r["rows"]["live"]["ms"]["median"], r["rows"]["with_dead"]["ms"]["median"]
        e = r["dead_errors"]
        print(f"| {r['n']} hosts, {len(e['expected'])} dead or hanging: extra time over the live ones | "
              f"**{(dead - live) / 1000:.2f} s** | ≤ -TimeoutSec ({r['dead_timeout']} s) |")
        ok = sorted(e["targets"]) == sorted(e["expected"])
        print(f"| errors reported / dead or hanging hosts | **{e['errors']} / {len(e['expected'])}** "
              f"({'one per host' if ok else 'MISMATCH: ' + ', '.join(e['targets'])}; {', '.join(e['ids'])}) | one per dead host |")
        print()
        print(f"### {r['n']} hosts, {len(e['expected'])} of them dead (port closed) or hanging (sshd stopped), load {r['load_start']}\n")
        print("| | median ms | min–max ms | client CPU ms |")
        print("|---|---:|---:|---:|")
        for key in ("live", "with_dead", "ansible_dead", "pssh_dead"):
            row = r["rows"].get(key)
            if row:
                print(f"| {row['label']} | **{fmt(row['ms']['median'])}** | {fmt(row['ms']['min'])}–{fmt(row['ms']['max'])} | {fmt(row['client_cpu_ms']['median'])} |")


if __name__ == "__main__":
    main()
