"""Every group visibility × standing × action answers as designed (IDOR included)."""

import pytest
from fastapi.testclient import TestClient

from app.database import session_scope
from app.groups import service as groups
from app.groups import threads
from tests.conftest import login

STANDINGS = ("outsider", "requested", "member", "moderator", "banned")
# action -> visibility -> expected status per standing
DESIGN = {
    "page": {
        "public": (200, 200, 200, 200, 200),
        "private": (200, 200, 200, 200, 200),  # name and description only for non-members
        "hidden": (404, 404, 200, 200, 404),
    },
    "read_posts": {
        "public": (200, 200, 200, 200, 404),
        "private": (404, 404, 200, 200, 404),
        "hidden": (404, 404, 200, 200, 404),
    },
    "write_post": {
        "public": (403, 403, 201, 201, 404),
        "private": (404, 404, 201, 201, 404),
        "hidden": (404, 404, 201, 201, 404),
    },
    "read_thread": {
        "public": (200, 200, 200, 200, 404),
        "private": (404, 404, 200, 200, 404),
        "hidden": (404, 404, 200, 200, 404),
    },
    "members_page": {
        "public": (403, 403, 403, 200, 404),
        "private": (404, 404, 403, 200, 404),
        "hidden": (404, 404, 403, 200, 404),
    },
    "other_groups_thread": {  # a real thread id of another group, through this group's URL
        "public": (404, 404, 404, 404, 404),
        "private": (404, 404, 404, 404, 404),
        "hidden": (404, 404, 404, 404, 404),
    },
}


@pytest.fixture
def setup(app, community, make_user):
    people, group_ids = community
    from app.accounts.models import Role

    standing_users = {
        "outsider": people["outsider"],
        "member": people["member"],
        "moderator": people["moderator"],
        "requested": make_user(Role.patient, username="g-requested"),
        "banned": make_user(Role.patient, username="g-banned"),
    }
    thread_ids = {}
    with session_scope() as db:
        for visibility, group_id in group_ids.items():
            from app.groups.models import GroupMembership, MembershipStatus

            db.add(
                GroupMembership(
                    group_id=group_id,
                    user_id=standing_users["requested"].id,
                    status=MembershipStatus.requested,
                )
            )
            db.add(
                GroupMembership(
                    group_id=group_id,
                    user_id=standing_users["banned"].id,
                    status=MembershipStatus.banned,
                    ban_reason="spam",
                )
            )
            thread_ids[visibility] = threads.write(
                db=db, viewer=people["admin"], group_id=group_id, text="Welcome everyone"
            ).id
    clients = {}
    for standing, user in standing_users.items():
        client = TestClient(app, follow_redirects=False)
        clients[standing] = (client, login(client, user.username))
    yield clients, group_ids, thread_ids
    for client, _csrf in clients.values():
        client.close()


def _call(client, csrf, action, group_id, thread_id, other_thread_id):
    if action == "page":
        return client.get(f"/groups/{group_id}")
    if action == "read_posts":
        return client.get(f"/api/groups/{group_id}/posts")
    if action == "write_post":
        return client.post(
            f"/api/groups/{group_id}/posts",
            json={"text": "Hello from the access test"},
            headers={"X-CSRF-Token": csrf},
        )
    if action == "read_thread":
        return client.get(f"/groups/{group_id}/posts/{thread_id}")
    if action == "members_page":
        return client.get(f"/groups/{group_id}/members")
    return client.get(f"/groups/{group_id}/posts/{other_thread_id}")


@pytest.mark.parametrize("action", sorted(DESIGN))
def test_each_visibility_and_standing_gets_the_designed_status(setup, action):
    clients, group_ids, thread_ids = setup
    got, expected = {}, {}
    for visibility, group_id in group_ids.items():
        other = next(v for v in thread_ids if v != visibility)
        for index, standing in enumerate(STANDINGS):
            client, csrf = clients[standing]
            response = _call(
                client, csrf, action, group_id, thread_ids[visibility], thread_ids[other]
            )
            got[(visibility, standing)] = response.status_code
            expected[(visibility, standing)] = DESIGN[action][visibility][index]
    assert got == expected


def test_private_group_page_shows_no_content_to_outsiders(setup):
    clients, group_ids, _threads = setup
    client, _csrf = clients["outsider"]
    page = client.get(f"/groups/{group_ids['private']}").text
    assert "Welcome everyone" not in page
    assert "Only members can read this group." in page


def test_hidden_group_is_not_listed_for_outsiders(setup):
    clients, group_ids, _threads = setup
    listed = {g["id"] for g in clients["outsider"][0].get("/api/groups").json()}
    assert group_ids["hidden"] not in listed and group_ids["private"] in listed
    member_listed = {g["id"] for g in clients["member"][0].get("/api/groups").json()}
    assert group_ids["hidden"] in member_listed


def test_join_rules_requests_and_approval(db, community):
    people, group_ids = community
    with pytest.raises(Exception, match="accept the group's rules"):
        groups.join(
            db=db, viewer=people["outsider"], group_id=group_ids["public"], accept_rules=False
        )
    joined = groups.join(
        db=db, viewer=people["outsider"], group_id=group_ids["public"], accept_rules=True
    )
    assert joined.status == "active"
    asked = groups.join(
        db=db, viewer=people["outsider"], group_id=group_ids["private"], accept_rules=True
    )
    assert asked.status == "requested"
    groups.manage_member(
        db=db,
        viewer=people["moderator"],
        group_id=group_ids["private"],
        user_id=people["outsider"].id,
        action="approve",
    )
    assert (
        groups.membership_of(
            db=db, group_id=group_ids["private"], user_id=people["outsider"].id
        ).status
        == "active"
    )
