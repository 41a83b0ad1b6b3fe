"""Group pages as a member sees them."""

from app.accounts.models import Role
from tests.conftest import login


def test_home_lists_a_members_groups_without_empty_parentheses(app, community):
    from fastapi.testclient import TestClient

    people, _group_ids = community
    with TestClient(app, follow_redirects=False) as client:
        login(client, people["member"].username)
        page = client.get("/").text
    assert "Group public" in page and "()" not in page
    with TestClient(app, follow_redirects=False) as client:
        login(client, people["moderator"].username)
        assert "(moderator)" in client.get("/").text


def test_a_clinician_is_not_a_member_of_the_community_groups(login_as):
    client, _user, _csrf = login_as(Role.clinician, verified=True)
    assert "()" not in client.get("/").text
