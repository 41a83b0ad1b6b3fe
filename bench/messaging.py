"""SMS throughput through the delivery engine and the Twilio adapter, against a loopback server shaped
like Twilio's Messages API that answers after a delay (200 ms by default).

    python bench/messaging.py [--count 50000] [--workers 1] [--delay 0.2] [--concurrency 64]

Creates a database of its own on the PostgreSQL server, lays out `--count` SMS due at once, drains
them with `--workers` worker processes (the real engine, the real `twilio` SDK with its HTTP routed to
the loopback server), and prints SMS/s, lateness (sent_at - due_at) p50/p99 and the workers' peak
memory; then a bare async HTTP client (httpx) with the same number of requests in flight.
"""

import argparse
import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from pathlib import Path
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from dispatch import fresh_database, percentile  # noqa: E402 - the sibling benchmark's helpers

TWILIO_HOST = "https://api.twilio.com"
ACCOUNT = "AC" + "0" * 32


class TwilioLike(BaseHTTPRequestHandler):
    """Answers POST /2010-04-01/Accounts/{sid}/Messages.json like Twilio (201, sid, queued) after `delay`."""

    protocol_version = "HTTP/1.1"
    ids = count(1)
    delay = 0.2

    def setup(self):
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self):  # noqa: N802 - http.server's naming
        form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
        time.sleep(self.delay)
        sid = f"SM{next(self.ids):032d}"
        payload = json.dumps(
            {
                "sid": sid,
                "account_sid": ACCOUNT,
                "to": form.get("To", [""])[0],
                "body": form.get("Body", [""])[0],
                "status": "queued",
                "direction": "outbound-api",
            }
        ).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # hundreds of connections open at once


def start_server(delay: float) -> str:
    TwilioLike.delay = delay
    server = Server(("127.0.0.1", 0), TwilioLike)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def route_twilio_to(base: str) -> None:
    """The SDK's requests go to the loopback server instead of Twilio (the path is unchanged)."""
    from twilio.http.http_client import TwilioHttpClient

    original = TwilioHttpClient.request

    def request(self, method, url, *args, **kwargs):
        return original(self, method, url.replace(TWILIO_HOST, base), *args, **kwargs)

    TwilioHttpClient.request = request


def prepare_database(url: str, n: int) -> None:
    from sqlalchemy import create_engine, insert, text

    from app.clock import utcnow
    from app.database import session_scope, upgrade
    from app.sms.models import OutboundSms

    upgrade(url)
    due = utcnow() - timedelta(seconds=1)
    with session_scope() as db:
        for start in range(0, n, 10000):
            db.execute(
                insert(OutboundSms),
                [
                    {
                        "to_phone": f"+3460{i:07d}",
                        "kind": "confirmation",
                        "purpose": "service",
                        "language": "es",
                        "body": f"Recordatorio: su cita es mañana a las 10:30 ({i})",
                        "due_at": due,
                        "status": "pending",
                        "attempts": 0,
                        "needs_reconcile": False,
                        "created_at": due,
                    }
                    for i in range(start, min(n, start + 10000))
                ],
            )
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()


def drain(server: str) -> None:
    """Worker mode: engine rounds until nothing is due."""
    route_twilio_to(server)
    from scheduler.dispatcher import tick

    while tick(budget_seconds=3600).claimed:
        pass


def run_workers(url: str, workers: int, server: str, env_extra: dict) -> tuple[float, float]:
    env = {**os.environ, "DATABASE_URL": url, **env_extra}
    started = time.perf_counter()
    procs = [
        subprocess.Popen([sys.executable, __file__, "--drain", server], env=env)
        for _ in range(workers)
    ]
    for proc in procs:
        proc.wait()
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return time.perf_counter() - started, peak_mb


def delays_of(url: str) -> list[float]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT due_at, sent_at FROM outboundsms WHERE status = 'sent'")
        ).all()
    engine.dispose()
    return sorted((s - d).total_seconds() for d, s in rows)


async def bare_async_client(server: str, n: int, concurrency: int) -> float:
    import httpx

    limit = asyncio.Semaphore(concurrency)
    url = f"{server}/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def one(i: int) -> None:
            async with limit:
                response = await client.post(
                    url, data={"To": f"+3460{i:07d}", "From": "+34910000000", "Body": f"aviso {i}"}
                )
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=50000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=64)
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
    url, drop = fresh_database("postgresql", args.database)
    os.environ["DATABASE_URL"] = url
    from app import database, settings

    settings.get_settings.cache_clear()
    database.get_engine.cache_clear()
    try:
        prepare_database(url, args.count)
        database.get_engine().dispose()
        elapsed, peak_mb = run_workers(
            url,
            args.workers,
            server,
            {
                "CAREPOST_SMS_PROVIDER": "twilio",
                "CAREPOST_TWILIO_ACCOUNT_SID": ACCOUNT,
                "CAREPOST_TWILIO_AUTH_TOKEN": "bench-token",
                "CAREPOST_TWILIO_FROM": "+34910000000",
                "CAREPOST_SMS_CONCURRENCY": str(args.concurrency),
            },
        )
        delays = delays_of(url)
    finally:
        drop()
    print(
        f"{args.count} SMS due at once, PostgreSQL, {args.workers} worker(s), "
        f"{args.concurrency} in flight each, Twilio-shaped server answering after {args.delay * 1000:.0f} ms"
    )
    if len(delays) != args.count:
        print(f"  only {len(delays)} of {args.count} sent")
    print(
        f"  engine + twilio SDK: {args.count / elapsed:8.0f} SMS/s   lateness p50 "
        f"{percentile(delays, 50):6.2f} s   p99 {percentile(delays, 99):6.2f} s   "
        f"peak memory {peak_mb:.0f} MB a worker (wall {elapsed:.1f} s)"
    )
    rate = asyncio.run(bare_async_client(server, min(args.count, 5000), args.concurrency))
    print(f"  bare httpx.AsyncClient, {args.concurrency} in flight: {rate:8.0f} requests/s")


if __name__ == "__main__":
    main()
