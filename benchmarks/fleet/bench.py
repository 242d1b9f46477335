#!/usr/bin/python3
"""Side by side on one loopback fleet (benchmarks/fleet/fleet): XenPS's Get-XenDomain (cold, warm, -Detailed, one
pwsh per call), Ansible ad-hoc (-m raw), parallel-ssh, xargs -P over ssh and a plain shell loop of ssh, all asking
every host for `xl list`. Writes one JSON file of results; benchmarks/fleet/run prints the tables.

Each figure is the median of --reps repetitions after one warm-up, with min and max. Memory and ssh processes come
from one more repetition of each row, sampled from /proc every 50 ms (not timed: the sampling costs CPU): the client
is the program started (pwsh for XenPS) with every process below it, and every ssh whose command line names the
fleet's run directory (the master connections leave their parent). Memory is the sum of their PSS (proportional set
size: shared pages divided among the processes that share them), so forked workers are not counted many times over.

usage: bench.py --fleet DIR --pwsh PWSH --module PSD1 --out FILE [--reps 5] [--throttle 64] [--only ROWS]
"""
import argparse
import glob
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def log(text):
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# ---------------------------------------------------------------------------------------------------------- sampling
class Sampler(threading.Thread):
    """Peak PSS (kB) and peak count of ssh processes of the client, every `interval` s until stopped."""

    def __init__(self, root_pid, run_dir, interval=0.05):
        super().__init__(daemon=True)
        self.root, self.marker, self.interval = root_pid, run_dir + "/", interval
        self.stop_event = threading.Event()
        self.peak_pss = 0
        self.peak_ssh = 0
        self.peak_procs = 0
        self.samples = 0

    @staticmethod
    def _read(path):
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError:
            return None

    def sample(self):
        parents, cmdlines = {}, {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            stat = self._read(f"/proc/{entry}/stat")
            if stat is None:
                continue
            rest = stat[stat.rfind(b")") + 2:].split()
            parents[int(entry)] = int(rest[1])
            cmdlines[int(entry)] = self._read(f"/proc/{entry}/cmdline") or b""
        children = {}
        for pid, ppid in parents.items():
            children.setdefault(ppid, []).append(pid)
        client, todo = set(), [self.root]
        while todo:
            pid = todo.pop()
            if pid in client:
                continue
            client.add(pid)
            todo.extend(children.get(pid, []))
        marker = self.marker.encode()
        for pid, cmd in cmdlines.items():
            if marker in cmd:
                client.add(pid)
        pss, ssh = 0, 0
        for pid in client:
            cmd = cmdlines.get(pid, b"")
            if os.path.basename(cmd.split(b"\0")[0]) == b"ssh":
                ssh += 1
            rollup = self._read(f"/proc/{pid}/smaps_rollup")
            if rollup:
                m = re.search(rb"^Pss:\s+(\d+) kB", rollup, re.M)
                if m:
                    pss += int(m.group(1))
        self.peak_pss = max(self.peak_pss, pss)
        self.peak_ssh = max(self.peak_ssh, ssh)
        self.peak_procs = max(self.peak_procs, len(client))
        self.samples += 1

    def run(self):
        while not self.stop_event.is_set():
            self.sample()
            self.stop_event.wait(self.interval)

    def finish(self):
        self.stop_event.set()
        self.join()
        self.sample()
        return {"peak_pss_mb": round(self.peak_pss / 1024, 1), "peak_ssh": self.peak_ssh,
                "peak_procs": self.peak_procs, "samples": self.samples}


# ------------------------------------------------------------------------------------------------------ CPU time
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def processes():
    """pid -> (ppid, cpu ticks of the process and of its reaped children, cmdline)."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        rest = stat[stat.rfind(b")") + 2:].split()
        table[int(entry)] = (int(rest[1]), sum(int(x) for x in rest[11:15]), cmd)
    return table


def descendants(table, roots):
    children = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    seen, todo = set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in table:
            continue
        seen.add(pid)
        todo.extend(children.get(pid, []))
    return seen


class CpuMeter:
    """CPU time of the fleet's servers (every sshd of the fleet and what runs under them) and of the client's ssh
    processes that left their parent (master connections), between two snapshots. The client's own CPU time (with
    its reaped children) comes from its /proc entry (pwsh) or from wait4 (a program started for one run)."""

    def __init__(self, run):
        self.run = run
        self.listeners = [int(open(f).read()) for f in glob.glob(os.path.join(run, "s", "*", "pid"))]
        self.marker = (run + "/").encode()

    def snapshot(self, root=None):
        table = processes()
        servers = descendants(table, self.listeners)
        client = descendants(table, [root]) if root else set()
        masters = {pid: t for pid, (_, t, cmd) in table.items()
                    if pid not in client and pid not in servers and self.marker in cmd and os.path.basename(cmd.split(b"\0")[0]) == b"ssh"}
        return {"server": sum(table[p][1] for p in servers), "masters": masters,
                "root": table[root][1] if root in table else 0}

    @staticmethod
    def delta(before, after):
        masters = sum(t - before["masters"].get(p, 0) for p, t in after["masters"].items())
        return {"server_cpu_ms": (after["server"] - before["server"]) * TICK_MS,
                "masters_cpu_ms": masters * TICK_MS,
                "root_cpu_ms": (after["root"] - before["root"]) * TICK_MS}


# ------------------------------------------------------------------------------------------------------------ XenPS
class Pwsh:
    """The long-lived pwsh of driver.ps1."""

    def __init__(self, pwsh, module, env):
        self.proc = subprocess.Popen([pwsh, "-NoProfile", "-NonInteractive", "-File", os.path.join(HERE, "driver.ps1"),
                                      "-Module", module],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, bufsize=1)
        self.pid = self.call(op="pid")["pid"]

    def call(self, **request):
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("the pwsh driver ended")
            if line.startswith("@@"):
                answer = json.loads(line[2:])
                if "failed" in answer:
                    raise RuntimeError("pwsh: " + answer["failed"])
                return answer

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


# ------------------------------------------------------------------------------------------------ external commands
def run_external(argv, env, sampler_run=None, stdin_text=None):
    """Runs a command; returns wall ms, ms to the first byte of standard output, exit code and the output."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    sampler = Sampler(proc.pid, sampler_run) if sampler_run else None
    if sampler:
        sampler.start()
    first = [None]
    out = []

    def read_stdout():
        while True:
            chunk = proc.stdout.read1(65536)
            if not chunk:
                return
            if first[0] is None:
                first[0] = (time.perf_counter() - start) * 1000
            out.append(chunk)

    err = []
    reader = threading.Thread(target=read_stdout, daemon=True)
    err_reader = threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)
    reader.start()
    err_reader.start()
    if stdin_text is not None:
        proc.stdin.write(stdin_text.encode())
        proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    ms = (time.perf_counter() - start) * 1000
    proc.returncode = rc = os.waitstatus_to_exitcode(status)
    reader.join()
    err_reader.join()
    result = {"ms": ms, "first_ms": first[0] if first[0] is not None else -1, "rc": rc,
              "client_cpu_ms": (usage.ru_utime + usage.ru_stime) * 1000,
              "stdout": b"".join(out).decode(errors="replace"), "stderr": b"".join(err).decode(errors="replace")}
    if sampler:
        result["memory"] = sampler.finish()
    return result


def close_masters(control_dir):
    sockets = [s for s in glob.glob(os.path.join(control_dir, "*")) if not s.endswith(".tmp")]
    procs = [subprocess.Popen(["ssh", "-S", s, "-O", "exit", "x"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for s in sockets]
    for p in procs:
        p.wait()
    # ssh -O exit returns before the master has gone: wait for the sockets to disappear.
    deadline = time.time() + 10
    while time.time() < deadline and any(os.path.exists(s) for s in sockets):
        time.sleep(0.05)


def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


# --------------------------------------------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fleet", required=True)
    ap.add_argument("--pwsh", required=True)
    ap.add_argument("--module", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--throttle", type=int, default=64)
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--module-before", default="", help="a build of XenPS before the fixes: its warm rows are measured too")
    ap.add_argument("--only", default="", help="comma-separated row keys to run (default: all)")
    ap.add_argument("--dead-test", action="store_true", help="the fleet has dead and hanging hosts: run that scenario")
    args = ap.parse_args()

    run = os.path.realpath(args.fleet)
    hosts = open(os.path.join(run, "hosts")).read().split()
    live = open(os.path.join(run, "live")).read().split()
    domains = {h: open(os.path.join(run, "d", h + ".list")).read().count("\n") - 1 for h in live}
    n, throttle = len(hosts), min(args.throttle, len(hosts))
    only = set(filter(None, args.only.split(",")))
    ssh_config, control = os.path.join(run, "ssh_config"), os.path.join(run, "c")

    env = dict(os.environ)
    env.update(NO_COLOR="1", POWERSHELL_TELEMETRY_OPTOUT="1", POWERSHELL_UPDATECHECK="Off", DOTNET_NOLOGO="1",
               XENPS_SSH_CONFIG=ssh_config, XENPS_SSH_CONTROL_DIR=control, ANSIBLE_NOCOLOR="1",
               ANSIBLE_SSH_CONTROL_PATH_DIR=os.path.join(run, "a"), ANSIBLE_LOCAL_TEMP=os.path.join(run, "a", "tmp"),
               ANSIBLE_HOST_KEY_CHECKING="True", ANSIBLE_RETRY_FILES_ENABLED="False", ANSIBLE_DEPRECATION_WARNINGS="False",
               ANSIBLE_SYSTEM_WARNINGS="False", ANSIBLE_COMMAND_WARNINGS="False", ANSIBLE_LOCALHOST_WARNING="False",
               ANSIBLE_HOME=os.path.join(run, "a", "home"), ANSIBLE_CONFIG=os.path.join(run, "ansible.cfg"))
    with open(os.path.join(run, "ansible.cfg"), "w") as f:
        f.write("[defaults]\n")  # none of the user's or the machine's settings
    inventory = os.path.join(run, "inventory.ini")
    with open(inventory, "w") as f:
        f.write("[fleet]\n" + "\n".join(hosts) + f"\n\n[fleet:vars]\nansible_ssh_common_args=-F {ssh_config}\n")
    hostsfile = os.path.join(run, "hosts")

    results = {"n": n, "throttle": throttle, "reps": args.reps, "load_start": load(), "rows": {}, "started": time.time()}
    log(f"{n} hosts ({len(live)} live), throttle {throttle}, load {results['load_start']}")

    pwsh = Pwsh(args.pwsh, args.module, env)
    meter = CpuMeter(run)
    idle = Sampler(pwsh.pid, run)
    idle.sample()
    results["pwsh_idle_pss_mb"] = round(idle.peak_pss / 1024, 1)
    objects_expected = sum(domains.values())

    def want(key):
        return not only or key in only

    def record(key, label, samples, memory=None, extra=None):
        row = {"label": label, "ms": summary([s["ms"] for s in samples]),
               "client_cpu_ms": summary([s["client_cpu_ms"] for s in samples]),
               "server_cpu_ms": summary([s["server_cpu_ms"] for s in samples]),
               "first_ms": summary([s["first_ms"] for s in samples if s.get("first_ms", -1) >= 0] or [-1])}
        if memory:
            row["memory"] = memory
        if extra:
            row.update(extra)
        results["rows"][key] = row
        log(f"  {label}: median {row['ms']['median']:.0f} ms (min {row['ms']['min']:.0f}, max {row['ms']['max']:.0f}),"
            f" first {row['first_ms']['median']:.0f} ms, cpu client {row['client_cpu_ms']['median']:.0f} server {row['server_cpu_ms']['median']:.0f} ms" + (f", {memory['peak_pss_mb']} MB, {memory['peak_ssh']} ssh" if memory else ""))

    def pwsh_rows(key, label, request, before=None, check_objects=None, driver=None):
        if not want(key):
            return
        driver = driver or pwsh
        samples = []
        for rep in range(args.reps + 2):
            if before:
                before()
            sampler = Sampler(driver.pid, run) if rep == args.reps + 1 else None
            if sampler:
                sampler.start()
            driver.call(op="gc")
            cpu_before = meter.snapshot(driver.pid)
            answer = driver.call(**request)
            cpu = CpuMeter.delta(cpu_before, meter.snapshot(driver.pid))
            answer["client_cpu_ms"] = cpu["root_cpu_ms"] + cpu["masters_cpu_ms"]
            answer["server_cpu_ms"] = cpu["server_cpu_ms"]
            memory = sampler.finish() if sampler else None
            if check_objects is not None and answer["objects"] != check_objects:
                raise RuntimeError(f"{label}: {answer['objects']} objects, expected {check_objects}; errors {answer}")
            if 1 <= rep <= args.reps:
                samples.append(answer)
        record(key, label, samples, memory, {"errors": answer["errors"]})

    def external_rows(key, label, argv, check=None, reps=None, before=None, stdin_text=None, slow=False):
        """slow: the rows that take seconds per host (Ansible, the shell loop): no warm-up round, and memory and ssh
        processes sampled during the timed rounds (the sampling is small next to what is measured)."""
        if not want(key):
            return
        samples = []
        reps = reps or args.reps
        memory = None
        for rep in range(1 if slow else 0, reps + (1 if slow else 2)):
            if before:
                before()
            cpu_before = meter.snapshot()
            r = run_external(argv, env, sampler_run=run if rep == reps + 1 or slow else None, stdin_text=stdin_text)
            if slow:
                memory = r["memory"] if memory is None else {k: max(memory[k], r["memory"][k]) for k in memory}
            cpu = CpuMeter.delta(cpu_before, meter.snapshot())
            r["client_cpu_ms"] += cpu["masters_cpu_ms"]
            r["server_cpu_ms"] = cpu["server_cpu_ms"]
            problem = check(r)
            if problem:
                raise RuntimeError(f"{label}: {problem}\nstdout: {r['stdout'][-2000:]}\nstderr: {r['stderr'][-2000:]}")
            if 1 <= rep <= reps:
                samples.append(r)
        record(key, label, samples, memory or r.get("memory"))

    get = dict(op="get", throttle=throttle, timeout=args.timeout, detailed=False)
    one = [hosts[0]]

    if args.dead_test:
        dead = open(os.path.join(run, "dead")).read().split()
        hang = open(os.path.join(run, "hang")).read().split()
        pwsh.call(op="connect", hosts=live, throttle=throttle, timeout=30)
        timeout = 5
        pwsh_rows("live", f"Get-XenDomain, the {len(live)} live hosts (sessions)",
                  dict(get, via="session", hosts=live, timeout=timeout), check_objects=objects_expected)
        pwsh_rows("with_dead", f"Get-XenDomain, all {n} (sessions for the live; {len(dead)} dead, {len(hang)} hanging), -TimeoutSec {timeout}",
                  dict(get, via="name", hosts=hosts, timeout=timeout), check_objects=objects_expected)
        answer = pwsh.call(**dict(get, via="name", hosts=hosts, timeout=timeout))
        results["dead_errors"] = {"errors": answer["errors"], "ids": answer["error_ids"], "targets": answer["error_targets"],
                                  "expected": sorted(dead + hang)}
        log(f"  errors: {results['dead_errors']}")
        results["dead_timeout"] = timeout
        ansible_dead = ["ansible", "fleet", "-i", inventory, "-f", str(throttle), "-T", str(timeout), "-m", "raw", "-a", "xl list"]
        external_rows("ansible_dead", f"Ansible -m raw, all {n}, -T {timeout} (warm)", ansible_dead, reps=1, slow=True,
                      check=lambda r: log(f"    {r['stdout'].count('| CHANGED |')} of {len(live)} live hosts answered"))
        pssh_dead = ["parallel-ssh", "-h", hostsfile, "-p", str(throttle), "-t", str(timeout), "-x", f"-F {ssh_config}", "-i", "xl list"]
        external_rows("pssh_dead", f"parallel-ssh, all {n}, -t {timeout}", pssh_dead, reps=min(args.reps, 3), slow=True,
                      check=lambda r: log(f"    {r['stdout'].count('[SUCCESS]')} of {len(live)} live hosts answered"))
    else:
        # Cold: no master connection up before each repetition (XenPS's own or anyone's).
        pwsh_rows("cold", "Get-XenDomain, cold (first connection)", dict(get, via="name", hosts=hosts),
                  before=lambda: close_masters(control), check_objects=objects_expected)
        answer = pwsh.call(op="connect", hosts=hosts, throttle=throttle, timeout=60)
        if answer["objects"] != n:
            raise RuntimeError(f"Connect-XenHost opened {answer['objects']} of {n} sessions")
        results["connect_ms"] = answer["ms"]
        pwsh_rows("warm1", "Get-XenDomain, warm, 1 host", dict(get, via="session", hosts=one), check_objects=domains[hosts[0]])
        pwsh_rows("warm", "Get-XenDomain, warm (sessions)", dict(get, via="session", hosts=hosts), check_objects=objects_expected)
        pwsh_rows("detailed", "Get-XenDomain -Detailed, warm", dict(get, via="session", hosts=hosts, detailed=True),
                  check_objects=objects_expected)
        pwsh_rows("detailed1", "Get-XenDomain -Detailed, warm, 1 host", dict(get, via="session", hosts=one, detailed=True),
                  check_objects=domains[hosts[0]])
        if args.module_before:
            old = Pwsh(args.pwsh, args.module_before, env)
            old.call(op="connect", hosts=hosts, throttle=throttle, timeout=60)
            pwsh_rows("before_warm1", "before the fixes: Get-XenDomain, warm, 1 host", dict(get, via="session", hosts=one),
                      check_objects=domains[hosts[0]], driver=old)
            pwsh_rows("before_warm", "before the fixes: Get-XenDomain, warm (sessions)", dict(get, via="session", hosts=hosts),
                      check_objects=objects_expected, driver=old)
            pwsh_rows("before_detailed", "before the fixes: Get-XenDomain -Detailed, warm", dict(get, via="session", hosts=hosts, detailed=True),
                      check_objects=objects_expected, driver=old)
            old.close()

        oneshot = [args.pwsh, "-NoProfile", "-NonInteractive", "-Command",
                   f"Import-Module '{args.module}'; Get-XenDomain -ComputerName (Get-Content '{hostsfile}') -ThrottleLimit {throttle} "
                   "| ForEach-Object -Begin { $n = 0 } -Process { if ($n++ -eq 0) { [Console]::Out.WriteLine('first'); [Console]::Out.Flush() } } -End { \"$n objects\" }"]
        external_rows("oneshot", "Get-XenDomain in a new pwsh (start, import, warm masters)", oneshot,
                      lambda r: None if f"{objects_expected} objects" in r["stdout"] else "wrong object count")

        ansible = ["ansible", "fleet", "-i", inventory, "-f", str(throttle), "-m", "raw", "-a", "xl list"]
        ansible_ok = lambda r: None if r["rc"] == 0 and r["stdout"].count("| CHANGED |") == n else "not every host answered"
        slow = min(args.reps, 3 if n <= 64 else 2)  # Ansible takes seconds per host on this machine
        external_rows("ansible_cold", f"Ansible -m raw, -f {throttle}, cold", ansible, ansible_ok, reps=slow,
                      before=lambda: close_masters(os.path.join(run, "a")), slow=True)
        external_rows("ansible_warm", f"Ansible -m raw, -f {throttle}, warm (ControlPersist)", ansible, ansible_ok, reps=slow, slow=True)

        pssh_ok = lambda r: None if r["rc"] == 0 and r["stdout"].count("[SUCCESS]") == n else "not every host answered"
        external_rows("pssh", f"parallel-ssh -p {throttle} (new connections)",
                      ["parallel-ssh", "-h", hostsfile, "-p", str(throttle), "-t", "60", "-x", f"-F {ssh_config}", "-i", "xl list"], pssh_ok)
        external_rows("pssh_mux", f"parallel-ssh -p {throttle} through XenPS's masters",
                      ["parallel-ssh", "-h", hostsfile, "-p", str(throttle), "-t", "60",
                       "-x", f"-F {ssh_config} -o ControlMaster=no -o ControlPath={control}/%C", "-i", "xl list"], pssh_ok)
        floor_ok = lambda r: None if r["rc"] == 0 and r["stdout"].count("Domain-0") == n else "not every host answered"
        external_rows("xargs_mux", f"xargs -P {throttle} ssh HOST xl list through the masters (the floor)",
                      ["xargs", "-P", str(throttle), "-I", "{}", "ssh", "-F", ssh_config, "-o", "ControlMaster=no",
                       "-o", f"ControlPath={control}/%C", "{}", "xl", "list"], floor_ok, stdin_text="\n".join(hosts) + "\n")
        loop = f"for h in $(cat {hostsfile}); do ssh -F {ssh_config} -o ControlPath=none $h xl list; done"
        external_rows("loop", "for h in ...; do ssh $h xl list; done (new connections)", ["sh", "-c", loop], floor_ok,
                      reps=min(args.reps, 3 if n <= 64 else 2), slow=True)
        pwsh.call(op="disconnect")

    pwsh.close()
    results["load_end"] = load()
    results["ended"] = time.time()
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)
    log(f"done, load {results['load_end']}")


if __name__ == "__main__":
    main()
