"""Newsletter throughput through the delivery engine to a local aiosmtpd server, against a bare
smtplib client sending the same messages to the same server.

    python bench/newsletter.py [--count 100000] [--database postgresql|sqlite] [--threads 8]

The SMTP server runs in a process of its own and counts what it accepts. carepost's side: a fresh
database, `--count` contacts opted in to the newsletter, one newsletter queued (one OutboundEmail
each), then `--workers` processes drain it with the real engine (render per recipient, DKIM
signature, SMTP with one connection per thread). The bare client: `--threads` threads, each one
smtplib connection, sending pre-built messages of the same size, before the engine's run and after
it (the faster run counts). Prints messages/s, the ratio, each side's peak memory and the CPU a
message of the worker, the SMTP server and PostgreSQL.
"""

import argparse
import os
import resource
import smtplib
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from dispatch import fresh_database, peak_mb  # noqa: E402 - the sibling benchmark's helpers

PG_SERVER = os.environ.get(
    "CAREPOST_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def serve(port: int, counter_path: str) -> None:
    """Server mode: accept everything, write the count to a file every half second."""
    from aiosmtpd.controller import Controller

    class Counting:
        received = 0

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's naming
            Counting.received += 1
            return "250 2.0.0 queued"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        while True:
            Path(counter_path).write_text(str(Counting.received))
            time.sleep(0.5)
    finally:
        controller.stop()


def _cpu_ticks(stat: Path, children: bool) -> tuple[str, int]:
    """A process's name and CPU ticks (utime and stime, and its waited-for children's too)."""
    name, values = stat.read_text().rsplit(")", 1)
    fields = values.split()[11 : 15 if children else 13]
    return name.split("(", 1)[1], sum(int(v) for v in fields)


def cpu_seconds(name: str) -> float:
    """CPU time so far of every process called `name` (its `comm`), with what finished children
    left to their parents: PostgreSQL's backends come and go, the postmaster keeps their time."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            found, ticks = _cpu_ticks(stat, children=True)
        except OSError:
            continue
        total += ticks if found == name else 0
    return total / os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    return _cpu_ticks(Path(f"/proc/{pid}/stat"), children=False)[1] / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def received(counter_path: str) -> int:
    try:
        return int(Path(counter_path).read_text() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def wait_for_count(counter_path: str, target: int) -> None:
    while received(counter_path) < target:
        time.sleep(0.2)


def prepare(url: str, n: int, port: int) -> None:
    """Contacts opted in, e-mail settings pointing at the server (with a DKIM key), one newsletter queued."""
    os.environ["DATABASE_URL"] = url
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from sqlalchemy import insert

    import app.models  # noqa: F401
    from app.accounts import service as accounts
    from app.accounts.models import Role, UserCreate
    from app.clock import utcnow
    from app.contacts.models import ConsentRecord, Contact
    from app.database import session_scope, upgrade
    from app.newsletters import config
    from app.newsletters import service as newsletters
    from app.newsletters.schemas import EmailSettingsIn, NewsletterIn

    upgrade(url)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    yesterday = utcnow() - timedelta(days=1)
    with session_scope() as db:
        admin = accounts.create_user(
            db=db,
            data=UserCreate(
                username="bench",
                display_name="Bench",
                role=Role.admin,
                password="quiet-harbour-lantern-71",
            ),
            actor=None,
        )
        config.save(
            db=db,
            data=EmailSettingsIn(
                host="127.0.0.1",
                port=port,
                security="none",
                from_name="Clínica Bench",
                from_address="hola@clinica.example",
                bounce_domain="mail.clinica.example",
                practice_identity="Clínica Bench, Calle Mayor 1, Madrid, CIF B00000000",
                dkim_selector="bench",
                dkim_private_key=key.decode(),
                rate_per_second=10_000,
            ),
            actor=admin,
        )
        for start in range(0, n, 5000):
            rows = [
                {
                    "name": f"Paciente {i}",
                    "email": f"p{i}@example.org",
                    "language": "es",
                    "tags": [],
                    "created_at": yesterday,
                }
                for i in range(start, min(n, start + 5000))
            ]
            ids = [r[0] for r in db.execute(insert(Contact).returning(Contact.id), rows)]
            db.execute(
                insert(ConsentRecord),
                [
                    {
                        "contact_id": cid,
                        "purpose": "newsletters",
                        "channel": "email",
                        "action": "granted",
                        "address": f"p{cid - 1}@example.org",
                        "at": yesterday,
                        "confirmed_at": yesterday,
                    }
                    for cid in ids
                ],
            )
        letter = newsletters.save(
            db=db,
            data=NewsletterIn(
                subject="Novedades",
                preheader="Gripe",
                body="Hola {nombre}.\n\n"
                + "Texto del boletín. " * 60
                + "\n\n[Pide cita](https://clinica.example/cita)",
            ),
            actor=admin,
        )
        queued = newsletters.queue(db=db, newsletter_id=letter.id, actor=admin, now=utcnow())
    assert queued == n, (queued, n)


def drain() -> None:
    """Worker mode: engine rounds until nothing is due."""
    from app.delivery import engine
    from app.newsletters.outbound import _from_settings

    kind = _from_settings()
    while engine.tick(worker=f"bench-{os.getpid()}", budget_seconds=3600, only=[kind]).claimed:
        pass
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"{peak_mb():.0f} {usage.ru_utime + usage.ru_stime:.1f}", flush=True)


def sample_message(url: str) -> tuple[str, bytes]:
    """One message as the engine built it (to size the bare client's messages alike)."""
    os.environ["DATABASE_URL"] = url
    from app.database import session_scope
    from app.newsletters.outbound import _from_settings

    kind = _from_settings()
    with session_scope() as db:
        from sqlmodel import select

        from app.newsletters.models import OutboundEmail
        from app.newsletters.outbound import EmailJob

        row = db.exec(select(OutboundEmail).limit(1)).one()
        kind._newsletter(db, row.newsletter_id)
        job = EmailJob(
            row.id, "sample", row.to_address, row.token, row.kind, "es", "Paciente 0",
            row.newsletter_id, None, 1, False,
        )  # fmt: skip
        return row.to_address, kind.build(job).message


def settle(url: str) -> None:
    """PostgreSQL vacuumed and analysed now, so that no autovacuum of what was just written runs
    during the next timed run."""
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM (ANALYZE)"))
    engine.dispose()


def bare(port: int, n: int, threads: int, to: str, message: bytes) -> tuple[float, float]:
    """Seconds taken and CPU seconds used."""

    def run(share: int) -> None:
        smtp = smtplib.SMTP("127.0.0.1", port, "localhost")
        for _ in range(share):
            smtp.sendmail("bounces@mail.clinica.example", [to], message)
        smtp.quit()

    started, cpu = time.perf_counter(), time.process_time()
    workers = [
        threading.Thread(target=run, args=(n // threads + (i < n % threads),))
        for i in range(threads)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--drain", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1])
        return
    if args.drain:
        drain()
        return
    os.environ.setdefault("CAREPOST_SECRET_KEY", "bench-" + "k" * 40)
    os.environ["CAREPOST_DISPATCH_THREADS"] = str(args.threads)
    os.environ["CAREPOST_DISPATCH_BATCH_SIZE"] = "200"
    url, drop = fresh_database(args.database, PG_SERVER)
    port, counter = free_port(), f"/tmp/carepost-bench-smtp-{os.getpid()}"
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), counter])
    try:
        time.sleep(1.5)
        t0 = time.perf_counter()
        prepare(url, args.count, port)
        print(f"prepared {args.count} recipients in {time.perf_counter() - t0:.1f} s")
        settle(url)
        # The bare client runs before the engine and again after it; its faster run is the one
        # compared, so a busy moment of the machine never flatters carepost.
        to, message = sample_message(url)
        seconds, bare_cpu = bare(port, args.count, args.threads, to, message)
        wait_for_count(counter, args.count)
        env = {**os.environ, "DATABASE_URL": url}
        server_before, postgres_before = process_cpu(server.pid), cpu_seconds("postgres")
        started = time.perf_counter()
        workers = [
            subprocess.Popen(
                [sys.executable, __file__, "--drain"], env=env, stdout=subprocess.PIPE, text=True
            )
            for _ in range(args.workers)
        ]
        outputs = [worker.communicate()[0].split() for worker in workers]
        if any(worker.returncode for worker in workers):
            raise SystemExit("a worker failed")
        wait_for_count(counter, 2 * args.count)
        engine_seconds = time.perf_counter() - started
        server_cpu = process_cpu(server.pid) - server_before
        postgres_cpu = cpu_seconds("postgres") - postgres_before
        settle(url)
        again, again_cpu = bare(port, args.count, args.threads, to, message)
        wait_for_count(counter, 3 * args.count)
        bare_mb = peak_mb()
        print(
            f"bare smtplib before the engine: {args.count / seconds:,.0f} messages/s, "
            f"after it: {args.count / again:,.0f} messages/s"
        )
        if again < seconds:
            seconds, bare_cpu = again, again_cpu
        engine_mb = max(float(out[-2]) for out in outputs)
        engine_cpu = sum(float(out[-1]) for out in outputs)
        engine_rate, bare_rate = args.count / engine_seconds, args.count / seconds
        print(
            f"message size {len(message)} bytes, {args.threads} threads, database {args.database}"
        )
        print(
            f"carepost engine: {engine_rate:,.0f} messages/s ({engine_seconds:.1f} s), worker peak "
            f"{engine_mb:.0f} MB, worker CPU {engine_cpu * 1000 / args.count:.2f} ms a message"
        )
        print(
            f"bare smtplib:    {bare_rate:,.0f} messages/s ({seconds:.1f} s), bench process peak "
            f"{bare_mb:.0f} MB (preparing the data included), client CPU "
            f"{bare_cpu * 1000 / args.count:.2f} ms a message"
        )
        print(f"ratio engine/bare: {engine_rate / bare_rate:.2f}")
        per = 1000 / args.count
        print(
            f"CPU a message during the engine's run: worker {engine_cpu * per:.2f} ms, "
            f"SMTP server {server_cpu * per:.2f} ms, PostgreSQL {postgres_cpu * per:.2f} ms "
            f"({os.cpu_count()} cores)"
        )
    finally:
        server.terminate()
        server.wait()
        Path(counter).unlink(missing_ok=True)
        drop()


if __name__ == "__main__":
    main()
