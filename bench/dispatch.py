"""Dispatcher throughput and lateness: N deliveries due at once against a loopback server shaped like X's API.

    python bench/dispatch.py [--count 10000] [--workers 1 4] [--delay 0.2] [--database postgresql+psycopg://postgres@127.0.0.1/postgres]

Prints, for each worker count, deliveries per second and lateness (sent_at - due_at) p50/p99, then the
bare HTTP client's requests per second against the same server, for the ratio (as many threads as
the dispatcher keeps deliveries in flight). `--delay` makes the server answer after that many
seconds, as real channels do (100-500 ms). Creates and drops a
database of its own on the PostgreSQL server (or uses a temporary SQLite file with --database sqlite).
"""

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
X_HOST = "https://api.twitter.com"
CREDS = {
    "consumer_key": "ck",
    "consumer_secret": "cs",
    "access_token": "at",
    "access_token_secret": "ats",
}


class XLike(BaseHTTPRequestHandler):
    """Answers POST /2/tweets like X does (201 with data.id), keep-alive, no logging."""

    protocol_version = "HTTP/1.1"
    ids = count(1)
    delay = 0.0  # seconds before each answer, as a real provider takes

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes: without NODELAY, delayed ACKs add 40 ms a request.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        text = json.loads(body or b"{}").get("text", "")
        if self.delay:
            time.sleep(self.delay)
        payload = json.dumps({"data": {"id": str(next(self.ids)), "text": text}}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_args):
        pass


def peak_mb() -> float:
    """This process's peak resident memory in MB. VmHWM belongs to the program the process runs
    now; ru_maxrss also counts the parent's memory the process had between fork and exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def start_server(delay: float = 0.0) -> str:
    XLike.delay = delay
    server = ThreadingHTTPServer(("127.0.0.1", 0), XLike)
    server.daemon_threads = True
    server.request_queue_size = 1024  # hundreds of connections open at once
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def route_x_to(base: str) -> None:
    """Send the connector's requests to the loopback server instead of X (the rest of the path is unchanged)."""
    from connectors import base as connector_base

    original = connector_base.TimeoutSession.request

    def request(self, method, url, **kwargs):
        return original(self, method, url.replace(X_HOST, base), **kwargs)

    connector_base.TimeoutSession.request = request


def prepare_database(url: str, n: int) -> None:
    from sqlalchemy import insert

    from app.accounts.models import Role, UserCreate
    from app.accounts.service import create_user
    from app.channels.models import ChannelKind
    from app.channels.service import create
    from app.clock import utcnow
    from app.database import session_scope, upgrade
    from app.posts.models import Delivery, Post, PostChannel, PostStatus

    upgrade(url)
    with session_scope() as db:
        author = create_user(
            db=db,
            data=UserCreate(
                username="bench",
                display_name="Bench",
                role=Role.marketing,
                password="zq8-Vendaval-Tresillo-41",
            ),
            actor=None,
        )
        channel = create(db=db, kind=ChannelKind.x, name="X bench", credentials=CREDS, actor=author)
        due = utcnow()
        rows = [
            {
                "author_id": author.id,
                "text": f"aviso {i}",
                "status": PostStatus.scheduled,
                "scheduled_at": due,
                "health_claim": False,
                "version": 1,
                "created_at": due,
                "updated_at": due,
            }
            for i in range(n)
        ]
        ids = [r[0] for r in db.execute(insert(Post).returning(Post.id), rows)]
        db.execute(insert(PostChannel), [{"post_id": i, "channel_id": channel.id} for i in ids])
        db.execute(
            insert(Delivery),
            [
                {
                    "post_id": i,
                    "channel_id": channel.id,
                    "due_at": due,
                    "status": "pending",
                    "attempts": 0,
                    "needs_reconcile": False,
                    "created_at": due,
                }
                for i in ids
            ],
        )
    if url.startswith("postgresql"):
        # Posts scheduled over days would have been analysed by autovacuum long before they fall due;
        # without statistics PostgreSQL plans the claim as a scan of every post per delivery (5 s).
        from sqlalchemy import create_engine, text

        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
        engine.dispose()


def run_workers(url: str, workers: int, server: str) -> tuple[float, float]:
    """Start `workers` processes that drain the queue; returns (wall seconds, their CPU seconds)."""
    env = {**os.environ, "DATABASE_URL": url}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    procs = [
        subprocess.Popen([sys.executable, __file__, "--drain", server], env=env)
        for _ in range(workers)
    ]
    for proc in procs:
        proc.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return time.perf_counter() - started, cpu


def drain(server: str) -> None:
    """Worker mode: run dispatcher rounds until nothing is due."""
    route_x_to(server)
    from scheduler.dispatcher import tick

    while tick(budget_seconds=600).claimed:
        pass


def delays_of(url: str) -> list[float]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT due_at, sent_at FROM delivery WHERE status = 'published'")
        ).all()
    engine.dispose()
    from datetime import datetime

    def parse(value):
        return datetime.fromisoformat(value) if isinstance(value, str) else value

    return sorted((parse(s) - parse(d)).total_seconds() for d, s in rows)


def percentile(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def bare_client(server: str, n: int, threads: int) -> float:
    import requests

    local = threading.local()

    def one(i: int) -> None:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        session.post(
            f"{server}/2/tweets", json={"text": f"aviso {i}"}, timeout=10
        ).raise_for_status()

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(n)))
    return n / (time.perf_counter() - started)


def fresh_database(kind: str, server_url: str):
    from sqlalchemy import create_engine, text

    if kind == "sqlite":
        path = Path(tempfile.mkdtemp()) / "bench.db"
        return f"sqlite:///{path}", lambda: None
    name = f"carepost_bench_{os.getpid()}_{time.time_ns() % 100000}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server_url.rsplit("/", 1)[0] + f"/{name}"

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return url, drop


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument(
        "--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--drain", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drain:
        drain(args.drain)
        return
    os.environ.setdefault("CAREPOST_SECRET_KEY", "bench-" + "k" * 40)
    os.environ["CAREPOST_DATA_DIR"] = tempfile.mkdtemp()
    server = start_server(args.delay)
    kind = "sqlite" if args.database == "sqlite" else "postgresql"
    in_flight = int(os.environ.get("CAREPOST_DISPATCH_CONCURRENCY", 64))
    print(
        f"{args.count} deliveries due at once, {kind}, loopback X-shaped server answering after "
        f"{args.delay * 1000:.0f} ms, {in_flight} deliveries in flight per worker"
    )
    for workers in args.workers:
        url, drop = fresh_database(kind, args.database)
        os.environ["DATABASE_URL"] = url
        from app import database, settings

        settings.get_settings.cache_clear()
        database.get_engine.cache_clear()
        prepare_database(url, args.count)
        database.get_engine().dispose()
        elapsed, cpu = run_workers(url, workers, server)
        delays = delays_of(url)
        if len(delays) != args.count:
            print(f"  {workers} worker(s): only {len(delays)} of {args.count} published")
        print(
            f"  {workers} worker(s): {args.count / elapsed:8.0f} deliveries/s   lateness p50 {percentile(delays, 50):6.2f} s"
            f"   p99 {percentile(delays, 99):6.2f} s   (wall {elapsed:.1f} s, worker CPU {1000 * cpu / args.count:.1f} ms a delivery)"
        )
        drop()
    rate = bare_client(server, min(args.count, 5000), in_flight)
    print(f"  bare requests client, {in_flight} threads: {rate:8.0f} requests/s")


if __name__ == "__main__":
    main()
