"""Whatever is typed or sent to the posts API and forms, the answer is a clear 4xx, never a 500."""

import pytest
from sqlalchemy import event

from app.accounts.models import Role
from app.database import get_engine
from app.posts import importer


def post_raw(client, csrf: str, body: str):
    return client.post(
        "/api/posts",
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
        content=body,
    )


@pytest.mark.parametrize(
    "body",
    [
        '{"text": "a", "channels": ["Outbox"], "scheduled_at": "9999-12-31T23:59:59-12:00"}',
        '{"text": "a", "channels": ["Outbox"], "scheduled_at": "0001-01-01T00:00:00+14:00"}',
        '{"text": "a", "channels": ["Outbox"], "scheduled_at": "2030-01-01T09:00:00"}',
        '{"text": "a", "channels": ["Outbox"], "scheduled_at": "2030-01-07T09:00:00+01:00",'
        ' "recurrence": {"freq": "weekly", "interval": 1e400}}',
        '{"text": "a", "channels": ["Outbox"], "scheduled_at": "2030-01-07T09:00:00+01:00",'
        ' "recurrence": {"freq": "nth_weekday", "n": 1, "weekday": 1e400}}',
        '{"text": "a", "channels": ["Outbox"], "scheduled_at": "2030-01-07T09:00:00+01:00",'
        ' "recurrence": {"freq": "weekly", "until": 5}}',
        '{"text": "a", "channels": ["Outbox"], "scheduled_at": "2030-01-07T09:00:00+01:00",'
        ' "recurrence": {"freq": "weekly", "interval": 1.5}}',
        '{"text": "a", "channels": ["Outbox"], "channel_texts": {"\\u00b2": "b"}}',
        '{"text": "a", "channels": ["Outbox"], "channel_texts": {"99999999999999999999999": "b"}}',
    ],
)
def test_api_refuses_odd_times_rules_and_channel_keys_with_a_422(login_as, outbox, body):
    marketer, _m, csrf = login_as(Role.marketing)
    response = post_raw(marketer, csrf, body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


def test_a_recurrence_reaching_the_last_representable_year_is_accepted_and_bounded(
    login_as, outbox
):
    marketer, _m, csrf = login_as(Role.marketing)
    response = post_raw(
        marketer,
        csrf,
        '{"text": "a", "channels": ["Outbox"], "scheduled_at": "2030-01-07T09:00:00+01:00",'
        ' "recurrence": {"freq": "monthly", "interval": 52}}',
    )
    assert response.status_code == 201
    assert marketer.get("/calendar?month=2030-01").status_code == 200


@pytest.mark.parametrize(
    "fields",
    [
        {"date": "9999-12-31", "time": "23:59"},
        {"date": "0001-01-01", "time": "00:00"},
        {"date": "2030-01-07", "time": "09:00", "recurrence": "weekly", "interval": "1e400"},
        {"date": "2030-01-07", "time": "09:00", "recurrence": "nth_weekday", "weekday": "²"},
        {"date": "2030-01-07", "time": "09:00", "recurrence": "weekly", "until": "mañana"},
    ],
)
def test_compose_form_refuses_odd_dates_and_rules_inline(login_as, outbox, fields):
    marketer, _m, csrf = login_as(Role.marketing)
    data = {"csrf_token": csrf, "text": "Hola", "channels": [str(outbox.id)], **fields}
    response = marketer.post("/posts", data=data)
    assert response.status_code == 422 and 'data-testid="form-error"' in response.text


def test_superscript_digits_in_the_edit_form_are_not_a_server_error(login_as, outbox, new_post):
    marketer, _m, csrf = login_as(Role.marketing)
    post_id = new_post([outbox], in_seconds=None)
    response = marketer.post(
        f"/posts/{post_id}/edit",
        data={
            "csrf_token": csrf,
            "text": "Hola",
            "channels": [str(outbox.id), "²"],
            "version": "²",
            "text_²": "otro",
        },
    )
    assert response.status_code in (303, 422)
    review = marketer.post(f"/posts/{post_id}/review", data={"csrf_token": csrf, "version": "²"})
    assert review.status_code == 403


def test_a_csv_field_over_the_csv_limit_is_a_row_error(login_as, outbox):
    marketer, _m, csrf = login_as(Role.marketing)
    body = "date,time,channels,text,link\n2030-01-07,09:00,Outbox,ok,\n"
    body += f'2030-01-08,09:00,Outbox,"{"x" * 140_000}",\n'
    response = marketer.post(
        "/posts-import",
        data={"csrf_token": csrf},
        files={"file": ("mes.csv", body.encode(), "text/csv")},
    )
    assert response.status_code == 422 and "131,072" in response.text
    assert marketer.get("/api/posts").json() == []


def test_a_csv_import_is_stored_in_short_transactions_after_every_row_is_checked(
    login_as, outbox, monkeypatch
):
    marketer, _m, csrf = login_as(Role.marketing)
    monkeypatch.setattr(importer, "BATCH_SIZE", 10)
    rows = "".join(f"2030-03-{day:02d},09:00,Outbox,Aviso {day},\n" for day in range(1, 26))
    commits = []
    listener = lambda _connection: commits.append(1)  # noqa: E731
    event.listen(get_engine(), "commit", listener)
    try:
        response = marketer.post(
            "/posts-import",
            data={"csrf_token": csrf},
            files={
                "file": ("mes.csv", ("date,time,channels,text,link\n" + rows).encode(), "text/csv")
            },
        )
    finally:
        event.remove(get_engine(), "commit", listener)
    assert response.status_code == 200
    assert len(commits) >= 4  # three batches of at most ten rows, then the release
    listed = marketer.get("/api/posts").json()
    assert len(listed) == 25 and {p["status"] for p in listed} == {"scheduled"}


def test_post_ids_beyond_the_column_range_are_not_found(login_as):
    marketer, _m, csrf = login_as(Role.marketing)
    for post_id in ("2147483648", "9223372036854775808"):
        assert marketer.get(f"/api/posts/{post_id}").status_code == 404
        cancel = marketer.post(f"/api/posts/{post_id}/cancel", headers={"X-CSRF-Token": csrf})
        assert cancel.status_code == 404
        assert marketer.get(f"/posts/{post_id}").status_code == 404
