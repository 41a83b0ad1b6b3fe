"""Community pages at size: group page, clinician feed (1st and 50th page) and question library over HTTP.

    python bench/feeds.py [--clients 4] [--requests 2000] [--database postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Seeds a fresh PostgreSQL database with 10,000 users, 200 groups, 200,000 group posts, 50,000 network
posts and 20,000 questions, starts `carepost serve --workers N` on loopback (its access log included), and drives each page with concurrent keep-alive clients. Prints p50 and
p99 latency and requests per second for each page beside the same server's bare /healthz. The
database is dropped at the end (keep it with --keep).
"""

import argparse
import http.client
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))  # after the packages: bench/moderation.py is a script

from dispatch import fresh_database, percentile  # noqa: E402

USERS, CLINICIANS, GROUPS = 10_000, 800, 200
GROUP_POSTS, THREAD_SHARE = 200_000, 4  # one post in four starts a thread
NETWORK_POSTS, QUESTIONS = 50_000, 20_000
TOPICS = [
    "diabetes", "asma", "vacunas", "cardiologia", "pediatria", "salud-mental", "dermatologia",
    "oncologia", "geriatria", "nutricion", "epoc", "hipertension", "embarazo", "dolor",
    "urgencias", "tiroides", "migraña", "alergias", "ictus", "renal",
]  # fmt: skip
WORDS = (
    "control revisión consulta analítica vacuna dosis tratamiento síntomas cita resultado "
    "seguimiento ejercicio dieta sueño presión glucosa insulina inhalador alergia fiebre "
    "check-up appointment results reminder support group walk clinic nurse family experience"
).split()
BATCH = 5_000


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def insert_rows(db, table, rows) -> list[int]:
    """Insert in batches; returns the new ids in order."""
    from sqlalchemy import insert

    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        ids += [r[0] for r in db.execute(insert(table).returning(table.c.id), chunk)]
    return ids


def seed(url: str, progress) -> None:
    """Fill the database with the community at size."""
    from app.accounts.models import Role, User
    from app.clock import utcnow
    from app.database import session_scope, upgrade
    from app.groups.models import GroupMembership, GroupPost, SupportGroup
    from app.network.models import Follow, NetworkPost
    from app.questions.models import Answer, Question
    from app.security import hash_password
    from moderation.features import normalise as fold

    rng = random.Random(7)
    upgrade(url)
    now = utcnow()
    password = hash_password("bench-password-1")
    with session_scope() as db:
        users = [
            {
                "username": f"user{i:05d}",
                "display_name": f"Seudónimo {i}",
                "role": Role.clinician if i < CLINICIANS else Role.patient,
                "clinician_verified": i < CLINICIANS,
                "specialty": "Medicina de familia" if i < CLINICIANS else None,
                "password_hash": password,
                "is_active": True,
                "created_at": now - timedelta(days=400),
            }
            for i in range(USERS)
        ]
        user_ids = insert_rows(db, User.__table__, users)
        clinicians, patients = user_ids[:CLINICIANS], user_ids[CLINICIANS:]
        progress(f"{len(user_ids):,} users")

        group_ids = insert_rows(
            db,
            SupportGroup.__table__,
            [
                {
                    "name": f"Grupo {i} {rng.choice(TOPICS)}",
                    "description": sentence(rng, 12),
                    "rules": "Sé amable. No des consejos de dosis.",
                    "visibility": "public" if i % 2 else "private",
                    "created_at": now - timedelta(days=300),
                }
                for i in range(GROUPS)
            ],
        )
        members = {g: rng.sample(patients, 60) for g in group_ids}
        insert_rows(
            db,
            GroupMembership.__table__,
            [
                {
                    "group_id": g,
                    "user_id": u,
                    "role": "member",
                    "status": "active",
                    "rules_accepted_at": now - timedelta(days=200),
                    "joined_at": now - timedelta(days=200),
                }
                for g, people in members.items()
                for u in people
            ],
        )
        progress(f"{GROUPS} groups, {60 * GROUPS:,} memberships")

        per_group = GROUP_POSTS // GROUPS
        posts = []
        for g in group_ids:
            for j in range(per_group):
                at = now - timedelta(minutes=per_group - j)
                posts.append(
                    {
                        "group_id": g,
                        "author_id": rng.choice(members[g]),
                        "parent_id": None,
                        "text": sentence(rng, rng.randint(8, 60)),
                        "status": "hidden" if rng.random() < 0.02 else "visible",
                        "clinician_answer": False,
                        "pinned": j == 0,
                        "reply_count": 0,
                        "last_activity_at": at,
                        "created_at": at,
                    }
                )
        post_ids = insert_rows(db, GroupPost.__table__, posts)
        # Three posts in four become replies to an earlier thread of their group.
        from sqlalchemy import text

        db.execute(
            text(
                "UPDATE grouppost SET parent_id = id - ((id - :first) % :k) "
                "WHERE (id - :first) % :k <> 0"
            ),
            {"k": THREAD_SHARE, "first": post_ids[0]},
        )
        db.execute(
            text(
                "UPDATE grouppost t SET reply_count = r.n, last_activity_at = r.last "
                "FROM (SELECT parent_id, count(*) n, max(created_at) last FROM grouppost "
                "WHERE parent_id IS NOT NULL GROUP BY parent_id) r WHERE t.id = r.parent_id"
            )
        )
        progress(f"{len(post_ids):,} group posts")

        topics = {c: rng.choice(TOPICS) for c in clinicians}
        network = []
        for j in range(NETWORK_POSTS):
            author = rng.choice(clinicians)
            title = sentence(rng, 6)
            body = sentence(rng, rng.randint(20, 80))
            network.append(
                {
                    "author_id": author,
                    "kind": rng.choice(["case", "case", "event", "job"]),
                    "title": title,
                    "text": body,
                    "topic": topics[author] if rng.random() < 0.8 else None,
                    "status": "visible",
                    "search_text": fold(f"{title} {body}"),
                    "comment_count": 0,
                    "created_at": now - timedelta(minutes=NETWORK_POSTS - j),
                }
            )
        insert_rows(db, NetworkPost.__table__, network)
        progress(f"{NETWORK_POSTS:,} network posts")

        questions = []
        for j in range(QUESTIONS):
            title, body = sentence(rng, 8), sentence(rng, rng.randint(10, 50))
            answered = rng.random() < 0.75
            questions.append(
                {
                    "author_id": rng.choice(patients),
                    "title": title,
                    "text": body,
                    "public": rng.random() < 0.9,
                    "status": "visible" if answered else "held",
                    "search_text": fold(f"{title} {body}"),
                    "answered_at": now - timedelta(minutes=QUESTIONS - j) if answered else None,
                    "created_at": now - timedelta(minutes=QUESTIONS - j + 60),
                }
            )
        question_ids = insert_rows(db, Question.__table__, questions)
        insert_rows(
            db,
            Answer.__table__,
            [
                {
                    "question_id": q,
                    "clinician_id": rng.choice(clinicians),
                    "text": sentence(rng, 30),
                    "created_at": row["answered_at"],
                }
                for q, row in zip(question_ids, questions, strict=True)
                if row["answered_at"]
            ],
        )
        progress(f"{QUESTIONS:,} questions")

        # The clinician who reads the feed follows ten colleagues and two topics.
        followed = rng.sample(clinicians[1:], 10)
        insert_rows(
            db,
            Follow.__table__,
            [{"follower_id": clinicians[0], "followee_id": f, "topic": None} for f in followed]
            + [{"follower_id": clinicians[0], "followee_id": None, "topic": t} for t in TOPICS[:2]],
        )
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")  # what autovacuum would do soon after such a load
    engine.dispose()


def viewers() -> dict:
    """Tokens for the first clinician and a patient, and the groups that patient reads."""
    from sqlmodel import col, select

    from app.accounts.models import Role, User
    from app.accounts.service import create_token
    from app.database import session_scope
    from app.groups.models import GroupMembership, SupportGroup

    with session_scope() as db:
        clinician = db.exec(
            select(User).where(User.role == Role.clinician).order_by(col(User.id))
        ).first()
        patient = db.exec(
            select(User).where(User.role == Role.patient).order_by(col(User.id))
        ).first()
        mine = select(GroupMembership.group_id).where(GroupMembership.user_id == patient.id)
        public = select(SupportGroup.id).where(SupportGroup.visibility == "public").limit(20)
        groups = list(db.exec(mine)) + list(db.exec(public))
        _, clinician_token = create_token(db=db, user=clinician, name="bench")
        _, patient_token = create_token(db=db, user=patient, name="bench")
    return {"clinician_token": clinician_token, "patient_token": patient_token, "groups": groups}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(url: str, port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CAREPOST_RUN_SCHEDULER": "false",
    }
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "app.cli", "serve",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    # Ready when every process answers: the port opens before the worker processes have started.
    answered = 0
    for _ in range(600):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            answered = answered + 1 if conn.getresponse().status == 200 else 0
            conn.close()
        except OSError:
            answered = 0
        if answered >= 20 * workers:
            return proc
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("the app did not start")


def get(conn: http.client.HTTPConnection, path: str, token: str) -> bytes:
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"GET {path} answered {response.status}: {body[:300]!r}")
    return body


def drive(
    port: int, paths: list[str], token: str, clients: int, total: int
) -> tuple[list[float], float]:
    """`total` GETs spread over `clients` keep-alive connections; latencies (s) and requests/s."""
    latencies: list[float] = []
    lock = threading.Lock()

    def client(n: int, offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for i in range(n):
            started = time.perf_counter()
            get(conn, paths[(offset + i) % len(paths)], token)
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)

    warm = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for path in paths[:20]:
        get(warm, path, token)
    warm.close()
    started = time.perf_counter()
    threads = [
        threading.Thread(target=client, args=(total // clients, k * 7)) for k in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(latencies), len(latencies) / (time.perf_counter() - started)


def feed_page(port: int, token: str, page: int) -> str:
    """The URL of the feed's nth page, found by following the cursors from the first."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    path = "/network"
    for _ in range(page - 1):
        match = re.search(rb"cursor=([A-Za-z0-9_-]+)", get(conn, path, token))
        if not match:
            raise SystemExit(f"the feed ended before page {page}")
        path = f"/network?cursor={match.group(1).decode()}"
    conn.close()
    return path


def measure(url: str, ids: dict, workers: int, clients: int, requests: int) -> None:
    port = free_port()
    app = start_app(url, port, workers)
    try:
        clinician, patient = ids["clinician_token"], ids["patient_token"]
        pages = [
            ("/healthz", ["/healthz"], patient),
            ("group page", [f"/groups/{g}" for g in ids["groups"]], patient),
            ("network feed, page 1", ["/network"], clinician),
            ("network feed, page 50", [feed_page(port, clinician, 50)], clinician),
            ("question library", ["/questions"], patient),
            ("question library search", ["/questions?q=vacuna+dosis"], patient),
        ]
        print(
            f"{clients} concurrent clients, {requests} requests a page, "
            f"carepost serve --workers {workers}, PostgreSQL"
        )
        bare = None
        for name, paths, token in pages:
            latencies, rate = drive(port, paths, token, clients, requests)
            bare = bare or rate
            print(
                f"  {name:26} p50 {1000 * percentile(latencies, 50):6.1f} ms   "
                f"p99 {1000 * percentile(latencies, 99):6.1f} ms   {rate:7.0f} req/s   "
                f"{100 * rate / bare:5.1f} % of /healthz"
            )
    finally:
        app.terminate()
        app.wait()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--web-workers", type=int, nargs="+", default=[1, 2], help="web processes to try"
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument(
        "--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--keep", action="store_true", help="keep the seeded database")
    parser.add_argument("--seeded", help="URL of a database an earlier --keep run seeded")
    args = parser.parse_args()
    os.environ.setdefault("CAREPOST_SECRET_KEY", "bench-" + "k" * 40)
    os.environ["CAREPOST_DATA_DIR"] = tempfile.mkdtemp()
    if args.seeded:
        url, drop = args.seeded, lambda: None
    else:
        url, drop = fresh_database("postgresql", args.database)
    os.environ["DATABASE_URL"] = url
    started = time.perf_counter()
    try:
        if not args.seeded:
            seed(
                url, lambda what: print(f"  seeded {what} ({time.perf_counter() - started:.0f} s)")
            )
            if args.keep:
                print(f"  kept: --seeded {url}")
        ids = viewers()
        for workers in args.web_workers:
            measure(url, ids, workers, args.clients, args.requests)
    finally:
        from app import database

        database.get_engine().dispose()
        if not args.keep:
            drop()


if __name__ == "__main__":
    main()
