#!/usr/bin/python3
"""Writes what each fleet host's xl replays: OUT/NAME.list (xl list), OUT/NAME.listv (xl list -v, with the UUID
column, which XenPS reads) and OUT/NAME.long (xl list -l).

Built from the real captures of the Xen 4.17 lab (tests/XenPS.Core.Tests/Data/xl-captures) the way
benchmarks/XenPS.Benchmarks/Inputs.cs builds its inputs: the captured header and Domain-0 row of xl-list-paused, then
guest rows printed with xl's "%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f" from the captured guest row's values; the
JSON has the captured Domain-0 entry, then the captured PV (guest1), HVM (hvm1) and PV-with-disk-and-NIC (n1) entries
in turn, each with its own domid, name, uuid, MAC and disk path, indented 4 spaces like yajl.

Host i (1-based) has 20 + (7 * i) % 31 domains (20 to 50, Domain-0 included); one guest per host has a name longer
than xl's 40-character column.

usage: xl-data.py CAPTURES OUT NAME...
"""
import json
import os
import sys


def read(captures, name):
    with open(os.path.join(captures, name), encoding="utf-8") as f:
        return f.read()


def main():
    captures, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    lines = read(captures, "xl-list-paused.stdout").rstrip("\n").split("\n")
    header, dom0_row = lines[0], lines[1]
    guest = lines[2].split()  # guest1 1 128 1 --p--- 22.4
    states = [guest[4], "-b----", "r-----", "------", "---sc-", "--ps--"]
    dom0_json = json.loads(read(captures, "xl-list-l.stdout"))[0]
    templates = [json.loads(read(captures, n))[0]
                 for n in ("xl-list-l-guest1.stdout", "xl-list-l-hvm1.stdout", "devices/05-list-l-n1.stdout")]

    for h, host in enumerate(names, start=1):
        domains = 20 + (7 * h) % 31
        rows = [header, dom0_row]
        # xl list -v: the same rows with " UUID Reason-Code Security-Label" (xl's " %s %8s %16s").
        vrows = [header.rstrip() + "   UUID                            Reason-Code\tSecurity Label",
                 dom0_row.rstrip() + " 00000000-0000-0000-0000-000000000000 " + "-".rjust(8) + " " + "-".rjust(16)]
        entries = [dom0_json]
        for i in range(1, domains):
            name = f"{host}-guest-{i:02d}"
            if i == 7:
                name = f"{host}-a-very-long-domain-name-for-the-web-frontend-{i:02d}"
            seconds = float(guest[5]) + (i * 7.3 % 100000)
            row = f"{name:<40} {i:5d} {int(guest[2]):5d} {int(guest[3]):5d}     {states[i % len(states)]}  {seconds:8.1f}"
            uuid = f"890fbdea-8c5b-4103-{h:04x}-{i:012x}"
            rows.append(row)
            vrows.append(row + " " + uuid + " " + "-".rjust(8) + " " + "-".rjust(16))
            entry = json.loads(json.dumps(templates[i % len(templates)]))
            entry["domid"] = i
            config = entry["config"]
            config["c_info"]["name"] = name
            config["c_info"]["uuid"] = uuid
            for nic in config.get("nics", []):
                nic["mac"] = f"00:16:3e:{h & 0xff:02x}:{(i >> 8) & 0xff:02x}:{i & 0xff:02x}"
            for disk in config.get("disks", []):
                disk["pdev_path"] = f"/root/{host}-d{i}.img"
            entries.append(entry)
        with open(os.path.join(out, host + ".list"), "w", encoding="utf-8") as f:
            f.write("\n".join(rows) + "\n")
        with open(os.path.join(out, host + ".listv"), "w", encoding="utf-8") as f:
            f.write("\n".join(vrows) + "\n")
        with open(os.path.join(out, host + ".long"), "w", encoding="utf-8") as f:
            f.write(json.dumps(entries, indent=4) + "\n")


if __name__ == "__main__":
    main()
