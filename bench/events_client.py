#!/usr/bin/env python3
"""The client side of bench/events.sh: many GET /api/events streams in one asyncio loop.

Opens --streams streams (tokens taken in turn from --tokens, sent as ?access_token=),
times until each has its `lots` snapshot, then books and releases --lot one at a time:
book, wait until every stream has the `lot` event with the new available_spots,
release, wait again, ... (--gap seconds between two changes). Each fan-out is timed from
just before the request is sent to the arrival of the matching event on each stream
(individual deliveries) and on the last stream ("all delivered"), which is also given
from the arrival of the request's HTTP answer (for bookings: the 201). Arrival is when
this loop reads the bytes, so the figures include the client's own scheduling of N
sockets. Without --load, makes --changes changes. With --load (a wrk command whose
report.lua prints a RESULT line): runs it once before the streams open, once with them
open while the timed changes go on until it ends, and once after they closed, and
prints the throughput without/with the streams. Reads parkd's VmRSS and Threads from
/proc/<--pid>/status idle, with the streams open and after they close. Standard
library only; never fails on a number.
"""
import argparse
import asyncio
import json
import os
import re
import shlex
import time

LOT_EVENT = re.compile(rb"^event: lot\ndata: (.*)$", re.M)  # format_event() in src/events/hub.cpp
WAIT_S = 10.0  # how long one change may take to reach every stream before it counts as lost


def proc_status(pid):
    """VmRSS in MB and Threads of the process, from /proc."""
    rss, threads = 0.0, 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return rss, threads


def cpu_seconds(pid):
    """User + system CPU seconds the process has used (its threads included), from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values, p):
    """The p-th percentile (nearest rank) of values, in ms."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))] * 1000


def summary(label, values):
    print(f"{label:<36} p50 {pct(values, 50):8.2f} ms   p99 {pct(values, 99):8.2f} ms"
          f"   max {max(values) * 1000 if values else float('nan'):8.2f} ms   ({len(values)} values)")


class Stream(asyncio.Protocol):
    """One SSE stream, read as a protocol (one callback per socket read, no per-chunk
    coroutine: with 1 000 streams the client's own CPU competes with parkd for the
    cores). The HTTP/1.1 chunked body is not unframed: whole events are found by their
    blank line, and the framing between them is skipped by the event pattern."""

    def __init__(self, port, token, lot):
        self.port, self.token, self.lot = port, token, lot
        loop = asyncio.get_running_loop()
        self.snapshot = loop.create_future()
        self.ended = loop.create_future()
        self.lot_events = []  # (arrival time, available_spots) of this lot's `lot` events
        self.changed = None  # set by the benchmark: an Event to wake the waiter
        self.error = None
        self.closed = False  # the stream ended (parkd closed it, or it failed)
        self.writer = None
        self.events, self.bytes = 0, 0  # all events and body bytes received (chunk framing included)
        self.marker = f'"id":{lot}'.encode()  # in every event of this lot (and maybe others)
        self.head, self.pending = b"", None

    async def run(self):
        try:
            loop = asyncio.get_running_loop()
            self.writer, _ = await loop.create_connection(lambda: self, "127.0.0.1", self.port)
            self.writer.write(f"GET /api/events?access_token={self.token} HTTP/1.1\r\n"
                              f"Host: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode())
            await self.ended
        except (OSError, RuntimeError) as e:
            self.error = str(e) or type(e).__name__
        finally:
            self.closed = True
            if not self.snapshot.done():
                self.snapshot.set_result(False)

    def end(self, error=None):
        if error and not self.error:
            self.error = error
        if not self.ended.done():
            self.ended.set_result(None)
        if self.writer is not None:
            self.writer.close()

    def connection_lost(self, exc):
        self.end(str(exc) if exc else None)

    def data_received(self, data):
        if self.pending is None:  # still in the response head
            self.head += data
            cut = self.head.find(b"\r\n\r\n")
            if cut < 0:
                return
            if b" 200 " not in self.head.split(b"\r\n", 1)[0]:
                self.end(self.head.split(b"\r\n", 1)[0].decode(errors="replace"))
                return
            data, self.pending = self.head[cut + 4:], b""
        self.bytes += len(data)
        self.pending += data
        cut = self.pending.rfind(b"\n\n")
        if cut >= 0:
            self.on_events(self.pending[:cut + 2])
            self.pending = self.pending[cut + 2:]
        if self.pending.endswith(b"\r\n0\r\n\r\n"):  # the last chunk: parkd ended the stream
            self.end()

    def on_events(self, block):
        """Whole events, as bytes. Under load most are other lots' `lot` events: counted
        and skipped with no per-event Python work, so the client keeps up."""
        now = time.perf_counter()
        self.events += block.count(b"\n\n")
        if not self.snapshot.done() and b"event: lots\n" in block:
            self.snapshot.set_result(True)
        if self.marker not in block:
            return
        for data in LOT_EVENT.findall(block):
            lot = json.loads(data)
            if lot.get("id") == self.lot:
                self.lot_events.append((now, lot.get("available_spots")))
                if self.changed is not None:
                    self.changed.set()


async def http(port, method, path, token, body=None):
    """One request on its own connection; (status, parsed JSON body or None)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    payload = json.dumps(body).encode() if body is not None else b""
    writer.write(f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                 f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
    raw = await reader.read()
    writer.close()
    head, _, rest = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    if b"transfer-encoding: chunked" in head.lower():
        body_bytes = b""
        while rest:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line, 16)
            body_bytes, rest = body_bytes + rest[:size], rest[size + 2:]
            if size == 0:
                break
        rest = body_bytes
    try:
        return status, json.loads(rest)
    except ValueError:
        return status, None


async def wait_for(streams, index, deadline):
    """Waits until every stream has at least index+1 lot events, or the deadline."""
    while True:
        if all(len(s.lot_events) > index for s in streams):
            return True
        left = deadline - time.perf_counter()
        if left <= 0:
            return False
        woken = asyncio.Event()
        for s in streams:
            s.changed = woken
        try:
            await asyncio.wait_for(woken.wait(), left)
        except asyncio.TimeoutError:
            pass


async def drain_jobs(a):
    """Waits (up to 120 s) until parkd's worker has no job queued: the confirmation emails
    of one load run would otherwise be sent during the next, and each run would start
    with a different backlog. Prints how long it took."""
    if not a.admin_token:
        return
    t0 = time.perf_counter()
    total = None
    while time.perf_counter() - t0 < 120:
        _, body = await http(a.port, "GET", "/api/admin/jobs?status=queued&limit=1", a.admin_token)
        total = (body or {}).get("total")
        if total == 0:
            break
        await asyncio.sleep(0.5)
    print(f"  (worker's queue {'empty' if total == 0 else f'still {total} jobs'}"
          f" after {time.perf_counter() - t0:.1f} s)", flush=True)


async def run_load(command, parkd_pid):
    """Runs the load command (wrk with report.lua) to its end: its RESULT fields, or None,
    with the CPU seconds parkd, wrk and this client used meanwhile."""
    parkd0, t0 = cpu_seconds(parkd_pid), os.times()
    proc = await asyncio.create_subprocess_exec(*shlex.split(command), stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)
    out = (await proc.communicate())[0].decode(errors="replace")
    t1 = os.times()  # wrk was waited for: its CPU is in the children's times
    cpu = {"parkd": cpu_seconds(parkd_pid) - parkd0, "wrk": sum(t1[2:4]) - sum(t0[2:4]),
           "client": sum(t1[:2]) - sum(t0[:2]), "wall": t1[4] - t0[4]}
    for line in out.splitlines():
        if line.startswith("RESULT "):
            result = dict(field.split("=", 1) for field in line.split()[1:])
            result["cpu"] = cpu
            return result
    print(f"the load gave no RESULT line (exit {proc.returncode}): {out[-3000:]}")
    return None


async def make_changes(a, tokens, good, count, stop):
    """Books and releases --lot one at a time, count changes or until stop() is true,
    waiting for each one's fan-out; the timings and whether all went through in order."""
    t = {"answers": [], "all": [], "each": [], "after_answer": [], "after_201": []}
    booking_id, expected, lost = None, [], 0
    i = 0
    while (count is None or i < count) and not stop():
        token = tokens[(i // 2) % len(tokens)]
        before = time.perf_counter()
        if i % 2 == 0:
            status, body = await http(a.port, "POST", "/api/book", token, {"lot_id": a.lot})
            booking_id = (body or {}).get("booking", {}).get("id")
        else:
            status, body = await http(a.port, "POST", f"/api/release/{booking_id}", token)
        answered = time.perf_counter()
        t["answers"].append(answered - before)
        if status not in (200, 201):
            print(f"change {i + 1}: HTTP {status} {body}; stopping the changes")
            lost += 1
            break
        expected.append(99 if i % 2 == 0 else 100)
        if not await wait_for(good, i, answered + WAIT_S):
            missing = sum(1 for s in good if len(s.lot_events) <= i)
            print(f"change {i + 1}: {missing} streams had no `lot` event after {WAIT_S:.0f} s")
            lost += missing
            break
        arrivals = [s.lot_events[i][0] - before for s in good]
        t["each"] += arrivals
        t["all"].append(max(arrivals))
        t["after_answer"].append(max(arrivals) - (answered - before))
        if i % 2 == 0:
            t["after_201"].append(max(arrivals) - (answered - before))
        i += 1
        await asyncio.sleep(a.gap)
    mismatched = sum(1 for s in good if [v for _, v in s.lot_events] != expected)
    t["ok"] = lost == 0 and mismatched == 0 and len(expected) == i
    t["made"], t["mismatched"] = len(expected), mismatched
    return t


def print_changes(t, streams):
    summary("booking/release HTTP answer", t["answers"])
    summary(f"all {streams} streams delivered", t["all"])
    summary("individual deliveries", t["each"])
    summary("all delivered, from the HTTP answer", t["after_answer"])
    summary("  bookings only, from the 201", t["after_201"])
    print("  (timed from just before each request is sent unless said; arrival = read by this client)")


def print_load(r):
    if r:
        c = r["cpu"]
        print(f"  {cycles(r):.0f} cycles/s, p99 {r['p99_ms']} ms, {r['errors']} errors; CPU seconds in"
              f" {c['wall']:.1f} s: parkd {c['parkd']:.1f}, wrk {c['wrk']:.1f}, this client {c['client']:.1f};"
              f" parkd {c['parkd'] / max(1, int(r['requests']) // 2) * 1e6:.0f} µs of CPU per cycle",
              flush=True)


def cycles(result):
    return float(result["rps"]) / 2 if result else float("nan")


async def main():
    ap = argparse.ArgumentParser()
    for name in ("port", "pid", "lot", "streams", "changes"):
        ap.add_argument(f"--{name}", type=int, required=True)
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--load", help="a command (wrk) run without the streams, with them, and without again")
    ap.add_argument("--admin-token", help="to wait for the worker's queue to empty before each load run")
    ap.add_argument("--gap", type=float, default=0.05, help="seconds between two timed changes")
    a = ap.parse_args()
    tokens = open(a.tokens).read().split()

    idle_rss, idle_threads = proc_status(a.pid)
    before = None
    if a.load:
        await drain_jobs(a)
        print("book-release without streams ...", flush=True)
        before = await run_load(a.load, a.pid)
        print_load(before)
    loaded_rss, _ = proc_status(a.pid)
    streams = [Stream(a.port, tokens[i % len(tokens)], a.lot) for i in range(a.streams)]
    t0 = time.perf_counter()
    tasks = [asyncio.create_task(s.run()) for s in streams]
    await asyncio.gather(*(s.snapshot for s in streams))
    opened = time.perf_counter() - t0
    good = [s for s in streams if s.snapshot.result() and s.error is None]
    print(f"opened {len(good)} of {a.streams} streams (each with its `lots` snapshot) in {opened:.2f} s")
    errors = {}
    for s in streams:
        if s.error:
            errors[s.error] = errors.get(s.error, 0) + 1
    for e, n in errors.items():
        print(f"  {n} streams failed: {e}")
    await asyncio.sleep(0.5)
    open_rss, open_threads = proc_status(a.pid)

    during = None
    if a.load:
        await drain_jobs(a)
        print("book-release with the streams open, timed changes of the streams' lot meanwhile ...", flush=True)
        events0, bytes0, t_load = sum(s.events for s in good), sum(s.bytes for s in good), time.perf_counter()
        load = asyncio.create_task(run_load(a.load, a.pid))
        await asyncio.sleep(1.0)  # wrk connected and at speed
        t = await make_changes(a, tokens, good, None, load.done)
        during = await load
        print_load(during)
        span = time.perf_counter() - t_load
        print(f"  each stream received {(sum(s.events for s in good) - events0) / len(good) / span:.0f} events/s"
              f" ({(sum(s.bytes for s in good) - bytes0) / len(good) / span / 1024:.0f} KB/s), mostly the load's lots")
    else:
        t = await make_changes(a, tokens, good, a.changes, lambda: False)
    streams_loaded_rss, streams_loaded_threads = proc_status(a.pid)
    print()
    print_changes(t, len(good))
    print()
    if t["ok"] and len(good) == a.streams:
        print(f"no lost events: every one of the {len(good)} streams received all {t['made']} changes, in order")
    else:
        print(f"LOST OR WRONG EVENTS: {a.streams - len(good)} streams not opened, {t['mismatched']} streams"
              f" whose lot events differ from the {t['made']} changes made")
    print(f"streams still open at the end: {sum(1 for s in good if s.error is None and not s.closed)}"
          f" of {len(good)}")

    for s in streams:
        if s.writer is not None:
            s.writer.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(1.0)
    after_rss, after_threads = proc_status(a.pid)
    after = None
    if a.load:
        await drain_jobs(a)
        print("book-release without streams again ...", flush=True)
        after = await run_load(a.load, a.pid)
        print_load(after)
    print()
    print(f"parkd RSS: idle {idle_rss:.1f} MB, {len(good)} streams open {open_rss:.1f} MB"
          f" ({(open_rss - idle_rss) * 1024 / max(1, len(good)):.1f} KB per stream), after closing {after_rss:.1f} MB")
    print(f"parkd threads: idle {idle_threads}, {len(good)} streams open {open_threads}, after closing {after_threads}")
    if a.load:
        without = (cycles(before) + cycles(after)) / 2
        print(f"parkd RSS under load: after book-release without streams {loaded_rss:.1f} MB, streams open"
              f" {open_rss:.1f} MB, after book-release with them {streams_loaded_rss:.1f} MB"
              f" (+{streams_loaded_rss - loaded_rss:.1f} MB for the streams and the second run);"
              f" threads {streams_loaded_threads}")
        print(f"book-release cycles/s: without streams {cycles(before):.0f} before and {cycles(after):.0f} after,"
              f" with {len(good)} streams {cycles(during):.0f}: drop {(1 - cycles(during) / without) * 100:.1f} %"
              f" against the mean of the two ({(1 - cycles(during) / cycles(before)) * 100:.1f} % against the first)")


if __name__ == "__main__":
    asyncio.run(main())
