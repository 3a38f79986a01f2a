#!/usr/bin/env python3
"""Fleet start: `atmqtt --count N --pty DIR/ttyAT{n}`, from process start until a host on every pty has read
`ready`, then one AT each; the process's resident memory, open files and threads with every host attached.

    python3 bench/fleet-start.py [--count 1000] [--program PATH] [--runs 3] [--connect] [-- extra atmqtt options]

PATH is a native atmqtt (the Native AOT build) or an atmqtt.dll (run by dotnet); default: the Debug build's dll.
The hosts are this process: each pty is opened (as pyserial would) as soon as its link appears, and all of them are
read through one poll(2). With --connect the program runs its embedded broker and every host connects its modem's
MQTT link to it (client id fleet-N): the figures are then those of N connected modems. Figures: docs/fleet.md.
"""
import argparse
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DLL = os.path.join(HERE, "..", "src", "AtMqtt.Modem", "bin", "Debug", "net10.0", "atmqtt.dll")


def proc_figures(pid):
    status = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            status[key] = value.strip()
    return {
        "rss_mb": int(status["VmRSS"].split()[0]) / 1024,
        "threads": int(status["Threads"]),
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
    }


def read_all(fds, want, deadline):
    """Reads every fd until its bytes end with `want`; returns when all did."""
    poller = select.poll()
    got = {fd: b"" for fd in fds}
    for fd in fds:
        poller.register(fd, select.POLLIN)
    left = set(fds)
    while left:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(left)} of {len(fds)} hosts did not read {want!r}")
        for fd, _ in poller.poll(100):
            got[fd] += os.read(fd, 4096)
            if fd in left and got[fd].endswith(want):
                left.discard(fd)
                poller.unregister(fd)
    return got


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_once(program, count, extra, connect=False):
    folder = tempfile.mkdtemp(prefix="atmqtt-fleet-")
    command = ([program] if not program.endswith(".dll") else ["dotnet", program]) + [
        "--count", str(count), "--pty", os.path.join(folder, "ttyAT{n}"), "--log-level", "warning"] + extra
    broker = free_port() if connect else None
    if connect:
        command += ["--embedded-broker", str(broker)]
    start = time.monotonic()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    fds = []
    try:
        deadline = start + 120
        for n in range(count):
            path = os.path.join(folder, f"ttyAT{n}")
            while not os.path.islink(path):
                if process.poll() is not None:
                    raise RuntimeError(f"atmqtt exited with {process.returncode}: {process.stderr.read().decode()}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{path} did not appear")
                time.sleep(0.001)
            fds.append(os.open(path, os.O_RDWR | os.O_NOCTTY))
        linked = time.monotonic() - start
        read_all(fds, b"ready\r\n", deadline)
        ready = time.monotonic() - start
        attached = proc_figures(process.pid)
        at_start = time.monotonic()
        for fd in fds:
            os.write(fd, b"AT\r\n")
        read_all(fds, b"OK\r\n", deadline)
        answered = time.monotonic() - at_start
        figures = {"linked_s": linked, "ready_s": ready, "at_all_s": answered, **attached}
        if connect:
            for n, fd in enumerate(fds):
                os.write(fd, f'AT+MQTTUSERCFG=0,1,"fleet-{n}","","",0,0,""\r\n'.encode())
            read_all(fds, b"OK\r\n", deadline)
            connect_start = time.monotonic()
            for fd in fds:
                os.write(fd, f'AT+MQTTCONN=0,"127.0.0.1",{broker},0\r\n'.encode())
            read_all(fds, b"OK\r\n", deadline)
            figures["connect_all_s"] = time.monotonic() - connect_start
            figures.update({f"connected_{k}": v for k, v in proc_figures(process.pid).items()})
        return figures
    finally:
        for fd in fds:
            os.close(fd)
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--program", default=os.environ.get("ATMQTT_PROGRAM") or DEFAULT_DLL)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connect", action="store_true")
    parser.add_argument("extra", nargs="*")
    args = parser.parse_args()
    results = []
    for i in range(args.runs):
        r = run_once(os.path.abspath(args.program), args.count, args.extra, args.connect)
        results.append(r)
        print(f"run {i + 1}: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in r.items()), flush=True)
    ready = sorted(r["ready_s"] for r in results)
    print(f"{args.count} modems on ptys, program start -> all ready: median {ready[len(ready) // 2]:.3f} s "
          f"(min {ready[0]:.3f}, max {ready[-1]:.3f}) over {len(ready)} runs; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    sys.exit(main())
