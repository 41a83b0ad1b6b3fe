"""A comment Meta posts to the Facebook Page webhook, signed with the app secret, is screened like a
polled one and waits in a clinician's review queue; an unsigned or tampered one is refused."""

import httpx
from sqlalchemy import create_engine
from sqlmodel import Session, col, select

from app.channels.models import Channel, ChannelKind, ChannelStatus
from app.clock import utcnow
from app.demo import DEMO_USERS
from app.posts.models import Delivery, DeliveryStatus, InboundComment, Post
from app.review.models import Reviewable
from tests.posts.test_facebook_webhook import payload, signed
from tests.web.conftest import demo_server
from tests.web.test_login_browser import log_in

PASSWORDS = {spec["username"]: spec["password"] for spec in DEMO_USERS}
SECRET = "meta-app-secret-for-the-browser-test"
PHI = "Maria Lopez Garcia, DNI 12345678Z, was diagnosed with HIV at your clinic last week"
REMOTE = "1234_777"


def a_published_facebook_post(database) -> None:
    """What the dispatcher leaves after publishing one of the demo's posts on the Facebook page
    (the demo has no Facebook page; its poll is off: the channel is disabled)."""
    engine = create_engine(f"sqlite:///{database}")
    with Session(engine) as db:
        page = Channel(
            kind=ChannelKind.facebook,
            name="Facebook page",
            credentials_encrypted="-",
            status=ChannelStatus.disabled,
        )
        db.add(page)
        db.flush()
        post_id = db.exec(select(Post.id).order_by(col(Post.id))).first()
        db.add(
            Delivery(
                post_id=post_id,
                channel_id=page.id,
                due_at=utcnow(),
                status=DeliveryStatus.published,
                remote_id=REMOTE,
            )
        )
        db.commit()
    engine.dispose()


def held_items(database) -> list[int]:
    engine = create_engine(f"sqlite:///{database}")
    with Session(engine) as db:
        query = (
            select(Reviewable.id)
            .join(InboundComment, col(InboundComment.id) == Reviewable.target_id)
            .where(Reviewable.kind == "channel_comment", InboundComment.remote_id == "777_1")
        )
        found = list(db.exec(query))
    engine.dispose()
    return found


def test_a_signed_comment_is_held_for_a_clinician_and_an_unsigned_one_refused(
    browser, tmp_path, shipped_model_folder
):
    env = {"CAREPOST_FACEBOOK_APP_SECRET": SECRET, "CAREPOST_FACEBOOK_VERIFY_TOKEN": "verify-me"}
    with demo_server(tmp_path, shipped_model_folder, **env) as base:
        database = tmp_path / "carepost.db"
        a_published_facebook_post(database)
        body = payload(REMOTE, "777_1", PHI)
        url = base + "/webhooks/facebook"
        unsigned = httpx.post(url, content=body, headers={"Content-Type": "application/json"})
        assert unsigned.status_code == 403
        tampered = body.replace(b"HIV", b"flu")
        assert httpx.post(url, content=tampered, headers=signed(body, SECRET)).status_code == 403
        assert held_items(database) == []
        assert httpx.post(url, content=body, headers=signed(body, SECRET)).status_code == 200
        again = httpx.post(url, content=body, headers=signed(body, SECRET))
        assert again.status_code == 200  # Meta repeats deliveries: taken, and stored once
        [item_id] = held_items(database)

        page = browser.new_context(locale="en-GB").new_page()
        log_in(page, base, "clinician", PASSWORDS["clinician"])
        page.wait_for_selector("[data-testid=whoami]", state="attached")
        page.goto(base + "/review")
        assert page.locator(f"a[href$='/review/{item_id}']").count() >= 1
        page.goto(f"{base}/review/{item_id}")
        text = page.inner_text("main")
        assert "comment on a published post" in text and "was diagnosed with HIV" in text
