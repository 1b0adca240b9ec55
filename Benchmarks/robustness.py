#!/usr/bin/env python3
"""Crash and flood tests against the real release binary, each on a scratch database.

  kill9    kill -9 the server at a random moment of a signing burst, N times in a row;
           afterwards every signature that got its 303 is in the database, and every
           counter (petition count, by province, by day) equals the rows.
  flood    10,000 idle connections (from 100 loopback addresses) plus slowloris senders,
           while a normal visitor still gets the home page in under a second.
  greedy   10,000 connections from ONE address: it gets its share (256) and 503s beyond it;
           a visitor from another address gets the home page in under a second; RSS < 128 MiB.
  bodies   10,000 slow request bodies (half chunked), each stopping part way: the buffered-body
           budget (64 MiB) holds, the rest get 503; RSS < 128 MiB; a visitor still gets the
           home page in under a second.
  huge     a 1 GiB body (declared and streamed chunked) and 100,000 header lines are
           refused without the server's memory growing.
  sigterm  SIGTERM in the middle of a burst: in-flight requests are answered, nothing
           acknowledged is lost, and the process exits 0.
  fulldisk (root) the database on a 4 MiB tmpfs (--disk-mb), a visitor signing in a loop until the disk
           is full: then 503 with Retry-After and the input kept, /healthz 503, reads 200;
           the filesystem grown, signing resumes by itself; after a kill -9 every
           acknowledged signature is there and `sanctuary check` is clean.

Usage: Benchmarks/robustness [all|kill9|flood|greedy|bodies|huge|sigterm|fulldisk] [--rounds N] [--disk-mb N] [--bin PATH]
Prints one line per check and exits non-zero if any fails.
"""
import argparse, http.client, json, os, random, re, resource, select, signal, socket, sqlite3, subprocess, sys, tempfile, threading, time

SLUG = "waive-travel-loans"
failures = []


def check(ok, message):
    print(("ok    " if ok else "FAIL  ") + message, flush=True)
    if not ok:
        failures.append(message)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, binary, work, config=None):
        self.binary, self.work = binary, work
        self.port = free_port()
        self.db = os.path.join(work, "robust.sqlite")
        base = {"access_log": "off", "rate_limits": {"signatures_per_minute": 1000000}}
        base.update(config or {})
        self.config = os.path.join(work, "config.json")
        with open(self.config, "w") as f:
            json.dump(base, f)
        self.process = None

    def start(self):
        self.process = subprocess.Popen([self.binary, "serve", "--port", str(self.port), "--db", self.db, "--config", self.config],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=raise_fd_limit)
        for _ in range(200):
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the server did not start")

    def get(self, path, timeout=5):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, body

    def rss_kib(self):
        with open(f"/proc/{self.process.pid}/status") as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

    def token(self):
        status, body = self.get(f"/petitions/{SLUG}")
        return re.search(rb'name="_csrf" value="([^"]+)"', body).group(1).decode()


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))


class Burst:
    """Threads signing with unique e-mails over keep-alive connections; remembers every
    e-mail whose signature was acknowledged with a 303."""

    def __init__(self, server, threads=16, prefix="burst"):
        self.server, self.threads, self.prefix = server, threads, prefix
        self.acknowledged, self.lock, self.stop, self.errors = [], threading.Lock(), False, 0
        self.token = server.token()
        self.workers = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(threads)]

    def run(self, index):
        n = 0
        connection = None
        while not self.stop:
            n += 1
            email = f"{self.prefix}-{index}-{n}-{random.randrange(1 << 30)}@example.org"
            body = f"_csrf={self.token}&first_name=Kim&last_name=Lee&email={email.replace('@', '%40')}&postal_code=K1A+0B1&website="
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
                connection.request("POST", f"/petitions/{SLUG}/sign", body, {"Content-Type": "application/x-www-form-urlencoded"})
                response = connection.getresponse()
                response.read()
                if response.status == 303:
                    with self.lock:
                        self.acknowledged.append(email)
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException):
                self.errors += 1
                connection = None
                if self.stop:
                    return
                time.sleep(0.01)

    def __enter__(self):
        for w in self.workers:
            w.start()
        return self

    def __exit__(self, *exc):
        self.stop = True
        for w in self.workers:
            w.join(timeout=15)


def verify_database(db, acknowledged, label):
    connection = sqlite3.connect(db)
    stored = {row[0] for row in connection.execute("SELECT email FROM signatures")}
    lost = [e for e in acknowledged if e not in stored]
    check(not lost, f"{label}: all {len(acknowledged)} acknowledged signatures are on disk ({len(lost)} lost)")
    bad = connection.execute("""
        SELECT count(*) FROM petitions p WHERE signature_count != (SELECT count(*) FROM signatures s WHERE s.petition_id = p.id AND s.confirmed_at IS NOT NULL)
           OR signature_count != coalesce((SELECT sum(count) FROM petition_province_counts c WHERE c.petition_id = p.id), 0)
           OR signature_count != coalesce((SELECT sum(count) FROM petition_daily_counts d WHERE d.petition_id = p.id), 0)
        """).fetchone()[0]
    check(bad == 0, f"{label}: every petition's count, province counts and daily counts equal its rows")
    check(connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok", f"{label}: integrity_check ok")
    connection.close()


def kill9(binary, rounds):
    with tempfile.TemporaryDirectory() as work:
        server = Server(binary, work)
        acknowledged = []
        for round in range(1, rounds + 1):
            server.start()
            with Burst(server, prefix=f"k{round}") as burst:
                time.sleep(random.uniform(0.3, 1.5))
                server.process.send_signal(signal.SIGKILL)
                server.process.wait()
            acknowledged += burst.acknowledged
            verify_database(server.db, acknowledged, f"kill -9 round {round:2}/{rounds} ({len(burst.acknowledged)} acknowledged this round)")


def sigterm(binary):
    with tempfile.TemporaryDirectory() as work:
        server = Server(binary, work)
        server.start()
        with Burst(server, threads=32, prefix="term") as burst:
            time.sleep(1.0)
            server.process.send_signal(signal.SIGTERM)
            code = server.process.wait(timeout=30)
        check(code == 0, f"SIGTERM mid-burst: the server exits 0 (got {code}) after {len(burst.acknowledged)} signatures")
        verify_database(server.db, burst.acknowledged, "SIGTERM mid-burst")


def fulldisk(binary, megabytes):
    if os.geteuid() != 0:
        print("skip  fulldisk: mounting a small tmpfs needs root")
        return
    with tempfile.TemporaryDirectory() as work:
        small = os.path.join(work, "small")
        os.mkdir(small)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", small]).returncode != 0:
            print("skip  fulldisk: this machine does not let root mount a tmpfs")
            return
        try:
            server = Server(binary, work)
            server.db = os.path.join(small, "robust.sqlite")
            server.start()
            token = server.token()
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            acknowledged, refused = [], None
            started = time.monotonic()
            while refused is None and len(acknowledged) < 200_000:
                email = f"full-{len(acknowledged)}@example.org"
                body = f"_csrf={token}&first_name=Kim&last_name=Lee&email={email.replace('@', '%40')}&postal_code=K1A+0B1&website="
                connection.request("POST", f"/petitions/{SLUG}/sign", body, {"Content-Type": "application/x-www-form-urlencoded"})
                response = connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                if response.status == 303:
                    acknowledged.append(email)
                else:
                    refused = (response.status, response.getheader("Retry-After"), email in text)
            connection.close()
            print(f"      {len(acknowledged)} signatures acknowledged in {time.monotonic() - started:.1f} s before the disk filled;"
                  + " the disk then held " + ", ".join(f"{name} {os.path.getsize(os.path.join(small, name)) >> 10} KiB" for name in sorted(os.listdir(small))))
            check(refused is not None and refused[0] == 503, f"a full disk answers 503 (got {refused and refused[0]})")
            check(refused is not None and refused[1] is not None, "with Retry-After")
            check(refused is not None and refused[2], "and the form again with what was typed")
            check(server.get("/healthz")[0] == 503, "/healthz answers 503 while writes fail")
            check(server.get(f"/petitions/{SLUG}")[0] == 200, "reads go on")
            subprocess.run(["mount", "-o", f"remount,size={megabytes + 64}m", small], check=True)
            grown = time.monotonic()
            while server.get("/healthz")[0] != 200 and time.monotonic() - grown < 30:
                time.sleep(0.1)
            check(server.get("/healthz")[0] == 200, f"space returned: writable again by itself in {time.monotonic() - grown:.1f} s")
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            after = 0
            for n in range(100):
                email = f"after-{n}@example.org"
                body = f"_csrf={token}&first_name=Kim&last_name=Lee&email={email.replace('@', '%40')}&postal_code=K1A+0B1&website="
                connection.request("POST", f"/petitions/{SLUG}/sign", body, {"Content-Type": "application/x-www-form-urlencoded"})
                response = connection.getresponse()
                response.read()
                if response.status == 303:
                    acknowledged.append(email)
                    after += 1
            connection.close()
            check(after == 100, f"the next 100 signatures go through ({after})")
            server.process.send_signal(signal.SIGKILL)
            server.process.wait()
            verify_database(server.db, acknowledged, "full disk, then kill -9")
            checked = subprocess.run([binary, "check", "--db", server.db, "--config", server.config], capture_output=True, text=True)
            check(checked.returncode == 0, f"`sanctuary check` is clean ({checked.stdout.strip().splitlines()[-1:] or checked.stderr.strip()})")
        finally:
            subprocess.run(["umount", "-l", small])


def visitor_wait(server, label, before_each=None, pause=0.1):
    """The worst time of ten home-page visits from 127.0.0.1, a visitor who is not the attacker."""
    worst = 0.0
    for _ in range(10):
        if before_each:
            before_each()
        t0 = time.monotonic()
        status, _ = server.get("/", timeout=5)
        worst = max(worst, time.monotonic() - t0)
        if status != 200:
            check(False, f"{label}: the visitor got {status}")
        time.sleep(pause)
    return worst


def flood(binary, idle, slow):
    with tempfile.TemporaryDirectory() as work:
        server = Server(binary, work, {"limits": {"max_connections": idle + slow + 1000}})
        server.start()
        raise_fd_limit()
        sockets = []
        started = time.monotonic()
        for i in range(idle):
            # Many visitors, as in a real flood: one address may hold only its share.
            s = socket.create_connection(("127.0.0.1", server.port), source_address=(f"127.0.1.{i % 100 + 1}", 0))
            sockets.append(s)
        check(len(sockets) == idle, f"{idle} idle connections open in {time.monotonic() - started:.1f} s")
        slowloris = []
        for i in range(slow):
            s = socket.create_connection(("127.0.0.1", server.port), source_address=(f"127.0.2.{i % 100 + 1}", 0))
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            slowloris.append(s)
        def trickle():
            for s in slowloris:
                try:
                    s.sendall(b"X-a: b\r\n")
                except OSError:
                    pass
        worst = visitor_wait(server, "flood", before_each=trickle, pause=0.3)
        check(worst < 1.0, f"with {idle} idle + {slow} slowloris connections, the home page came in {worst * 1000:.0f} ms at worst (< 1 s)")
        check(server.rss_kib() < 200 * 1024, f"server RSS with them all open: {server.rss_kib() // 1024} MiB")
        for s in sockets + slowloris:
            s.close()
        server.process.send_signal(signal.SIGTERM)
        check(server.process.wait(timeout=30) == 0, "the flooded server still shuts down cleanly")


def refused_503(sockets):
    """How many of the sockets were answered 503 (the server's refusal)."""
    refused = 0
    for s in sockets:
        s.setblocking(False)
        try:
            if s.recv(64).startswith(b"HTTP/1.1 503"):
                refused += 1
        except OSError:
            pass
    return refused


def close_and_stop(server, sockets, what):
    for s in sockets:
        s.close()
    server.process.send_signal(signal.SIGTERM)
    check(server.process.wait(timeout=30) == 0, what)


def greedy(binary, count):
    """One address opens `count` connections and sends half a request on each."""
    with tempfile.TemporaryDirectory() as work:
        server = Server(binary, work, {"limits": {"max_connections": count + 1000}})
        server.start()
        raise_fd_limit()
        sockets = []
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", server.port), source_address=("127.0.0.2", 0))
            try:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            except OSError:
                pass
            sockets.append(s)
        time.sleep(1)
        refused = refused_503(sockets)
        held = count - refused
        check(held <= 256, f"one address opened {count} connections: {held} held, {refused} refused with 503 (cap 256)")
        worst = visitor_wait(server, "greedy")
        check(worst < 1.0, f"a visitor from another address got the home page in {worst * 1000:.0f} ms at worst (< 1 s)")
        rss = server.rss_kib()
        check(rss < 128 * 1024, f"server RSS meanwhile: {rss // 1024} MiB (< 128)")
        close_and_stop(server, sockets, "and it shuts down cleanly")


def bodies(binary, count):
    """`count` clients (from 100 addresses) each start a 1 MiB body, send 48 KiB of it and stop."""
    with tempfile.TemporaryDirectory() as work:
        server = Server(binary, work, {"limits": {"max_connections": count + 1000}})
        server.start()
        raise_fd_limit()
        piece = b"a" * (48 * 1024)
        sockets = []
        started = time.monotonic()
        for i in range(count):
            s = socket.create_connection(("127.0.0.1", server.port), source_address=(f"127.0.3.{i % 100 + 1}", 0))
            s.setblocking(False)
            if i % 2:
                head = b"POST /petitions/%s/sign HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n" % SLUG.encode()
                data = head + piece
            else:
                head = b"POST /petitions/%s/sign HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" % SLUG.encode()
                data = head + b"%x\r\n" % len(piece) + piece + b"\r\n"
            try:
                s.send(data)
            except OSError:
                pass
            sockets.append(s)
        sent_in = time.monotonic() - started
        time.sleep(1)
        peak = server.rss_kib()
        refused = refused_503(sockets)
        check(refused > 0, f"{count} slow bodies ({count * 48 // 1024} MiB sent in {sent_in:.1f} s): {refused} refused with 503 past the 64 MiB budget")
        worst = visitor_wait(server, "bodies")
        check(worst < 1.0, f"a visitor got the home page in {worst * 1000:.0f} ms at worst (< 1 s)")
        rss = max(peak, server.rss_kib())
        check(rss < 128 * 1024, f"server RSS with them all held: {rss // 1024} MiB (< 128)")
        close_and_stop(server, sockets, "and it shuts down cleanly")


def huge(binary):
    with tempfile.TemporaryDirectory() as work:
        server = Server(binary, work)
        server.start()
        for _ in range(20):
            server.get("/")
        before = server.rss_kib()
        # 1 GiB declared: refused from the head, before any of it is read.
        s = socket.create_connection(("127.0.0.1", server.port))
        s.sendall(b"POST /petitions/%s/sign HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n" % SLUG.encode())
        reply = s.recv(200)
        check(reply.startswith(b"HTTP/1.1 413"), f"a declared 1 GiB body gets 413 at once ({reply[:12]!r})")
        s.close()
        # 1 GiB streamed chunked: answered 413 as soon as it passes the body limit, then the
        # connection is closed within the 2 s lingering close, however fast we keep sending.
        s = socket.create_connection(("127.0.0.1", server.port))
        s.sendall(b"POST /petitions/%s/sign HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" % SLUG.encode())
        chunk = b"100000\r\n" + b"a" * 0x100000 + b"\r\n"
        sent, reply = 0, b""
        while sent < 1 << 30 and not reply:
            s.sendall(chunk)
            sent += 0x100000
            if select.select([s], [], [], 0)[0]:
                reply = s.recv(200)
        check(reply.startswith(b"HTTP/1.1 413"), f"a chunked 1 GiB body gets 413 after {sent >> 20} MiB ({reply[:12]!r})")
        cut_at = time.monotonic()
        try:
            while time.monotonic() - cut_at < 10:
                s.sendall(chunk)
        except OSError:
            pass
        check(time.monotonic() - cut_at < 5, f"and the connection is closed {time.monotonic() - cut_at:.1f} s later, with the sender still sending")
        s.close()
        # 100,000 header lines: 431 once past the header limit.
        s = socket.create_connection(("127.0.0.1", server.port))
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        lines = 0
        try:
            for _ in range(100):
                s.sendall(b"".join(b"X-Line-%d: value\r\n" % (lines + i) for i in range(1000)))
                lines += 1000
        except OSError:
            pass
        s.settimeout(5)
        try:
            reply = s.recv(200)
        except OSError:
            reply = b""
        check(reply.startswith(b"HTTP/1.1 431"), f"100,000 header lines get 431 (after {lines} sent: {reply[:12]!r})")
        s.close()
        time.sleep(0.5)
        after = server.rss_kib()
        check(after - before < 16 * 1024, f"RSS before {before // 1024} MiB, after {after // 1024} MiB (grew {(after - before) // 1024} MiB, < 16)")
        check(server.get("/healthz")[0] == 200, "and it still serves")
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("what", nargs="?", default="all", choices=["all", "kill9", "flood", "greedy", "bodies", "huge", "sigterm", "fulldisk"])
    parser.add_argument("--count", type=int, default=10000, help="connections for greedy and bodies")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--idle", type=int, default=10000)
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--disk-mb", type=int, default=4, help="the tmpfs fulldisk fills")
    parser.add_argument("--bin", required=True)
    args = parser.parse_args()
    raise_fd_limit()
    if args.what in ("all", "kill9"):
        kill9(args.bin, args.rounds)
    if args.what in ("all", "sigterm"):
        sigterm(args.bin)
    if args.what in ("all", "huge"):
        huge(args.bin)
    if args.what in ("all", "flood"):
        flood(args.bin, args.idle, args.slow)
    if args.what in ("all", "greedy"):
        greedy(args.bin, args.count)
    if args.what in ("all", "bodies"):
        bodies(args.bin, args.count)
    if args.what in ("all", "fulldisk"):
        fulldisk(args.bin, args.disk_mb)
    print(f"\n{len(failures)} failed" if failures else "\nall passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
