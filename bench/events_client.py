#!/usr/bin/env python3
"""The client side of bench/events.sh: many GET /api/events streams in one asyncio loop.

Opens --streams streams (tokens taken in turn from --tokens, sent as ?access_token=),
times until each has its `lots` snapshot, then makes --changes bookings and releases of
--lot one at a time: book, wait until every stream has the `lot` event with the new
available_spots, release, wait again, ... Each fan-out is timed from just before the
request is sent to the arrival of the matching event on each stream (individual
deliveries) and on the last stream ("all delivered"), which is also given from the
arrival of the request's HTTP answer. Arrival is when this loop reads
the bytes, so the figures include the client's own scheduling of N sockets. Reads
parkd's VmRSS and Threads from /proc/<--pid>/status idle, with the streams open and
after they close. Standard library only; never fails on a number.
"""
import argparse
import asyncio
import json
import time

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


def pct(values, p):
    """The p-th percentile (nearest rank) of values, in ms."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))] * 1000


def summary(label, values):
    print(f"{label:<36} p50 {pct(values, 50):8.2f} ms   p99 {pct(values, 99):8.2f} ms"
          f"   max {max(values) * 1000 if values else float('nan'):8.2f} ms   ({len(values)} values)")


class Stream:
    """One SSE stream: the HTTP/1.1 chunked body split into events."""

    def __init__(self, port, token, lot):
        self.port, self.token, self.lot = port, token, lot
        self.snapshot = asyncio.get_running_loop().create_future()
        self.lot_events = []  # (arrival time, available_spots) of this lot's `lot` events
        self.changed = None  # set by the benchmark: an Event to wake the waiter
        self.error = None
        self.writer = None

    async def run(self):
        try:
            reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            self.writer.write(f"GET /api/events?access_token={self.token} HTTP/1.1\r\n"
                              f"Host: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode())
            status = await reader.readline()
            if b" 200 " not in status:
                raise RuntimeError(status.decode().strip())
            while (await reader.readline()) not in (b"\r\n", b""):
                pass
            pending = b""
            while True:
                size = int((await reader.readline()).split(b";")[0], 16)
                if size == 0:
                    break
                pending += (await reader.readexactly(size + 2))[:-2]
                while b"\n\n" in pending:
                    event, pending = pending.split(b"\n\n", 1)
                    self.on_event(event.decode())
        except (OSError, RuntimeError, ValueError, asyncio.IncompleteReadError) as e:
            self.error = str(e) or type(e).__name__
        finally:
            if not self.snapshot.done():
                self.snapshot.set_result(False)

    def on_event(self, text):
        now = time.perf_counter()
        name, data = "message", []
        for line in text.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip())
        if name == "lots" and not self.snapshot.done():
            self.snapshot.set_result(True)
        elif name == "lot":
            lot = json.loads("\n".join(data))
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


async def main():
    ap = argparse.ArgumentParser()
    for name in ("port", "pid", "lot", "streams", "changes"):
        ap.add_argument(f"--{name}", type=int, required=True)
    ap.add_argument("--tokens", required=True)
    a = ap.parse_args()
    tokens = open(a.tokens).read().split()

    idle_rss, idle_threads = proc_status(a.pid)
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

    all_delivered, each_delivery, answers, after_answer, lost = [], [], [], [], 0
    booking_id, expected = None, []
    for i in range(a.changes):
        token = tokens[(i // 2) % len(tokens)]
        before = time.perf_counter()
        if i % 2 == 0:
            status, body = await http(a.port, "POST", "/api/book", token, {"lot_id": a.lot})
            booking_id = (body or {}).get("booking", {}).get("id")
        else:
            status, body = await http(a.port, "POST", f"/api/release/{booking_id}", token)
        answered = time.perf_counter()
        answers.append(answered - before)
        if status not in (200, 201):
            print(f"change {i + 1}: HTTP {status} {body}; stopping the changes")
            break
        expected.append(99 if i % 2 == 0 else 100)
        if not await wait_for(good, i, answered + WAIT_S):
            missing = sum(1 for s in good if len(s.lot_events) <= i)
            print(f"change {i + 1}: {missing} streams had no `lot` event after {WAIT_S:.0f} s")
            lost += missing
            break
        arrivals = [s.lot_events[i][0] - before for s in good]
        each_delivery += arrivals
        all_delivered.append(max(arrivals))
        after_answer.append(max(arrivals) - (answered - before))
        await asyncio.sleep(0.05)

    mismatched = sum(1 for s in good if [v for _, v in s.lot_events] != expected)
    print()
    summary("booking/release HTTP answer", answers)
    summary(f"all {len(good)} streams delivered", all_delivered)
    summary("individual deliveries", each_delivery)
    summary("all delivered, from the HTTP answer", after_answer)
    print("  (timed from just before each request is sent unless said; arrival = read by this client)")
    print()
    if lost == 0 and mismatched == 0 and len(expected) == a.changes and len(good) == a.streams:
        print(f"no lost events: every one of the {len(good)} streams received all {a.changes} changes, in order")
    else:
        print(f"LOST OR WRONG EVENTS: {a.streams - len(good)} streams not opened, {mismatched} streams"
              f" whose lot events differ from the {len(expected)} changes made")

    for s in streams:
        if s.writer is not None:
            s.writer.close()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(1.0)
    after_rss, after_threads = proc_status(a.pid)
    print()
    print(f"parkd RSS: idle {idle_rss:.1f} MB, {len(good)} streams open {open_rss:.1f} MB"
          f" ({(open_rss - idle_rss) * 1024 / max(1, len(good)):.1f} KB per stream), after closing {after_rss:.1f} MB")
    print(f"parkd threads: idle {idle_threads}, {len(good)} streams open {open_threads}, after closing {after_threads}")


if __name__ == "__main__":
    asyncio.run(main())
