"""Following is idempotent: the same request twice, or many at once, gives the same answer."""

import threading
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts import service as accounts
from app.accounts.models import Role
from app.database import session_scope
from app.network import service as network
from app.network.models import Follow


def test_concurrent_identical_follows_all_succeed_and_store_one_follow(app, make_user):
    me, colleague = (make_user(Role.clinician, verified=True) for _ in range(2))
    with session_scope() as db:
        token = accounts.create_token(db=db, user=me, name="t")[1]
    headers = {"Authorization": f"Bearer {token}"}
    start = threading.Barrier(12)

    def follow(_i: int):
        start.wait(timeout=30)
        return client.post("/api/network/follows", json={"user_id": colleague.id}, headers=headers)

    with TestClient(app) as client, ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(follow, range(12)))
    assert {(a.status_code, a.json()["following"]) for a in answers} == {(200, True)}
    with session_scope() as db:
        assert network.following(db, me) == ([colleague.id], [])


def test_following_or_unfollowing_twice_changes_nothing(login_as, make_user):
    client, me, csrf = login_as(Role.clinician, verified=True)
    colleague = make_user(Role.clinician, verified=True)
    headers = {"X-CSRF-Token": csrf}
    for body, expected in (
        ({"user_id": colleague.id}, ([colleague.id], [])),
        ({"topic": "#Cardio"}, ([colleague.id], ["cardio"])),
        ({"user_id": colleague.id, "following": False}, ([], ["cardio"])),
        ({"topic": "cardio", "following": False}, ([], [])),
    ):
        for _ in range(2):
            answer = client.post("/api/network/follows", json=body, headers=headers)
            assert answer.status_code == 200
            assert answer.json() == {"following": body.get("following", True)}
            with session_scope() as db:
                assert network.following(db, me) == expected
    with session_scope() as db:
        assert db.exec(select(Follow).where(Follow.follower_id == me.id)).all() == []
