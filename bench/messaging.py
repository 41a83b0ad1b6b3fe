"""SMS throughput through the delivery engine and the Twilio adapter, against a loopback server shaped
like Twilio's Messages API that answers after a delay (200 ms by default).

    python bench/messaging.py [--count 50000] [--workers 1] [--delay 0.2] [--concurrency 500]

Creates a database of its own on the PostgreSQL server, lays out `--count` SMS due at once, drains
them with `--workers` worker processes (the real engine, the real `twilio` SDK with its HTTP routed to
the loopback server), and prints SMS/s, lateness (sent_at - due_at) p50/p99 and the workers' peak
memory; then bare async HTTP clients (httpx, aiohttp) with the same number of requests in flight
against the same server (which runs in a process of its own).
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
import time
from datetime import timedelta
from itertools import count
from pathlib import Path
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from dispatch import fresh_database, peak_mb, percentile  # noqa: E402 - the sibling benchmark's helpers

TWILIO_HOST = "https://api.twilio.com"
ACCOUNT = "AC" + "0" * 32


MESSAGES_PATH = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"


async def serve(delay: float) -> None:
    """Answer POST .../Messages.json like Twilio (201, a sid, queued) after `delay`, keep-alive,
    thousands of connections at once on one event loop; prints its port."""
    ids = count(1)

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                form = parse_qs((await reader.readexactly(length)).decode())
                await asyncio.sleep(delay)
                payload = json.dumps(
                    {
                        "sid": f"SM{next(ids):032d}",
                        "account_sid": ACCOUNT,
                        "to": form.get("To", [""])[0],
                        "body": form.get("Body", [""])[0],
                        "status": "queued",
                        "direction": "outbound-api",
                    }
                ).encode()
                writer.write(
                    b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(payload), payload)
                )
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(connection, "127.0.0.1", 0, backlog=4096)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


def start_server(delay: float) -> tuple[str, subprocess.Popen]:
    """The Twilio-shaped server in a process of its own, so that it does not share a GIL with the
    bare client measured against it."""
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(delay)], stdout=subprocess.PIPE, text=True
    )
    return f"http://127.0.0.1:{process.stdout.readline().strip()}", process


def route_twilio_to(base: str) -> None:
    """The SDK's requests (blocking and async) go to the loopback server instead of Twilio (the
    path is unchanged)."""
    from twilio.http.http_client import TwilioHttpClient

    from connectors.twilio_sms import PooledAsyncHttpClient

    blocking, coroutine = TwilioHttpClient.request, PooledAsyncHttpClient.request

    def request(self, method, url, *args, **kwargs):
        return blocking(self, method, url.replace(TWILIO_HOST, base), *args, **kwargs)

    async def request_async(self, method, url, *args, **kwargs):
        return await coroutine(self, method, url.replace(TWILIO_HOST, base), *args, **kwargs)

    TwilioHttpClient.request = request
    PooledAsyncHttpClient.request = request_async


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
    """Worker mode: engine rounds until nothing is due; then prints its peak memory (MB) and CPU
    seconds."""
    route_twilio_to(server)
    from scheduler.dispatcher import tick

    started = time.perf_counter()
    while tick(budget_seconds=3600).claimed:
        pass
    sending = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"{peak_mb():.0f} {usage.ru_utime + usage.ru_stime:.1f} {sending:.2f}", flush=True)


def run_workers(
    url: str, workers: int, server: str, env_extra: dict
) -> tuple[float, float, float, float]:
    """(wall seconds, the largest worker's peak memory in MB, the workers' CPU seconds, the
    longest time a worker spent sending, from its first claim to its end: start-up excluded)."""
    env = {**os.environ, "DATABASE_URL": url, **env_extra}
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--drain", server],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    reports = [proc.communicate()[0].split() for proc in procs]
    elapsed = time.perf_counter() - started
    peak_mb = max(float(report[0]) for report in reports)
    cpu = sum(float(report[1]) for report in reports)
    return elapsed, peak_mb, cpu, max(float(report[2]) for report in reports)


def delays_of(url: str) -> list[float]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT due_at, sent_at FROM outboundsms WHERE status = 'sent'")
        ).all()
    engine.dispose()
    return sorted((s - d).total_seconds() for d, s in rows)


async def bare_httpx(server: str, n: int, concurrency: int) -> float:
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def post(url, data) -> int:
            return (await client.post(url, data=data)).status_code

        return await _bare(post, server, n, concurrency)


async def bare_aiohttp(server: str, n: int, concurrency: int) -> float:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def post(url, data) -> int:
            async with session.post(url, data=data) as response:
                await response.read()
                return response.status

        return await _bare(post, server, n, concurrency)


async def _bare(post, server: str, n: int, concurrency: int) -> float:
    """Requests/s of `post` with `concurrency` in flight: the same form Twilio's SDK sends."""
    limit = asyncio.Semaphore(concurrency)
    url = f"{server}{MESSAGES_PATH}"

    async def one(i: int) -> None:
        async with limit:
            status = await post(
                url, data={"To": f"+3460{i:07d}", "From": "+34910000000", "Body": f"aviso {i}"}
            )
            if status != 201:
                raise RuntimeError(f"the server answered {status}")

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
    parser.add_argument("--concurrency", type=int, default=500)
    parser.add_argument(
        "--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument(
        "--bare",
        default="aiohttp,aiohttp-uvloop,httpx",
        help="bare clients to measure, comma-separated (aiohttp, aiohttp-uvloop, httpx; empty "
        "for none)",
    )
    parser.add_argument("--drain", help=argparse.SUPPRESS)
    parser.add_argument("--serve", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drain:
        drain(args.drain)
        return
    if args.serve is not None:
        asyncio.run(serve(args.serve))
        return
    os.environ.setdefault("CAREPOST_SECRET_KEY", "bench-" + "k" * 40)
    os.environ["CAREPOST_DATA_DIR"] = tempfile.mkdtemp()
    server, server_process = start_server(args.delay)
    url, drop = fresh_database("postgresql", args.database)
    os.environ["DATABASE_URL"] = url
    from app import database, settings

    settings.get_settings.cache_clear()
    database.get_engine.cache_clear()
    try:
        prepare_database(url, args.count)
        database.get_engine().dispose()
        elapsed, peak_mb, cpu, sending = run_workers(
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
    except BaseException:
        server_process.terminate()
        raise
    finally:
        drop()
    print(
        f"{args.count} SMS due at once, PostgreSQL, {args.workers} worker(s), "
        f"{args.concurrency} in flight each, Twilio-shaped server answering after "
        f"{args.delay * 1000:.0f} ms; load average before: {os.getloadavg()[0]:.1f}"
    )
    if len(delays) != args.count:
        print(f"  only {len(delays)} of {args.count} sent")
    print(
        f"  engine + twilio SDK: {args.count / elapsed:8.0f} SMS/s   lateness p50 "
        f"{percentile(delays, 50):6.2f} s   p99 {percentile(delays, 99):6.2f} s   "
        f"peak memory {peak_mb:.0f} MB a worker   (wall {elapsed:.1f} s, worker CPU "
        f"{1000 * cpu / args.count:.2f} ms an SMS, start-up included)"
    )
    print(
        f"  once started:        {args.count / sending:8.0f} SMS/s   (the worker's {sending:.1f} s "
        f"from its first claim to its end; wall above includes its start-up)"
    )
    try:
        bare = min(args.count, 10000)
        clients = {
            "aiohttp": ("aiohttp", bare_aiohttp, None),
            "aiohttp-uvloop": ("aiohttp on uvloop", bare_aiohttp, "uvloop"),
            "httpx": ("httpx.AsyncClient", bare_httpx, None),
        }
        for name, client, loop in (clients[key] for key in args.bare.split(",") if key):
            try:
                factory = __import__(loop).new_event_loop if loop else None
                with asyncio.Runner(loop_factory=factory) as runner:
                    rate = runner.run(client(server, bare, args.concurrency))
            except Exception as error:  # noqa: BLE001 - report it and go on with the next client
                print(f"  bare {name}: failed ({type(error).__name__})")
                continue
            print(
                f"  bare {name}, {args.concurrency} in flight: {rate:8.0f} requests/s   "
                f"(engine: {100 * args.count / elapsed / rate:.0f} % of it, "
                f"{100 * args.count / sending / rate:.0f} % once started)"
            )
        print(f"  load average after: {os.getloadavg()[0]:.1f}")
    finally:
        server_process.terminate()


if __name__ == "__main__":
    main()
