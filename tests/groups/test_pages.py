"""Group pages as a member sees them."""

from fastapi.testclient import TestClient

from tests.conftest import login


def test_home_lists_a_members_groups_without_empty_parentheses(app, community):
    people, _group_ids = community
    with TestClient(app, follow_redirects=False) as client:
        login(client, people["member"].username)
        page = client.get("/").text
    assert "Group public" in page and "()" not in page
    with TestClient(app, follow_redirects=False) as client:
        login(client, people["moderator"].username)
        assert '<span class="badge">moderator</span>' in client.get("/").text
