"""In headless Chromium: a posting time, "Add to queue" takes it, the post is dragged to another day
on the calendar and moved again with the keyboard; screenshots of the calendar and the schedule."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.demo import DEMO_USERS
from tests.web.conftest import ARTIFACTS
from tests.web.test_login_browser import log_in, unique_word

PASSWORDS = {spec["username"]: spec["password"] for spec in DEMO_USERS}
ZONE = ZoneInfo("Europe/Madrid")


def _item_day(page, post_id: int) -> str:
    item = page.locator(f'[data-move="/posts/{post_id}/move"]')
    return item.evaluate("node => node.closest('td').dataset.day")


def test_queue_then_drag_and_keyboard_move_on_the_calendar(browser, live_server):
    # Tall enough that the month fits: a drag that has to scroll the page to reach its target can
    # start on whatever item the scroll brought under the pointer.
    page = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 1400}).new_page()
    log_in(page, live_server, "marketing", PASSWORDS["marketing"])
    page.wait_for_selector("[data-testid=whoami]")

    # A posting time every day, three hours from now at :07 (no demo post holds that minute).
    now = datetime.now(ZONE)
    slot = (now + timedelta(hours=3)).replace(minute=7, second=0, microsecond=0)
    page.goto(live_server + "/schedule")
    page.select_option("[data-testid=slot-form] select[name=channel]", label="Outbox")
    page.fill("[data-testid=slot-form] input[name=time]", f"{slot:%H:%M}")
    for box in page.locator("[data-testid=slot-form] input[name=weekdays]").all():
        box.check()
    page.click("[data-testid=slot-form] button[type=submit]")
    page.wait_for_selector(f"[data-channel=Outbox] .slot:has-text('{slot:%H:%M}')")

    # Add to queue: the post takes that slot (any date typed is ignored).
    page.goto(live_server + "/posts/new")
    page.fill("textarea[name=text]", f"Taller de lactancia el jueves {unique_word()}")
    page.check("input[name=channels]")
    assert "Outbox" in page.inner_text("[data-testid=best-times]")
    page.click("[data-testid=add-to-queue]")
    page.wait_for_url(re.compile(r".*/posts/\d+$"))
    post_id = int(page.url.rsplit("/", 1)[1])
    assert page.inner_text("[data-testid=scheduled-at]") == f"{slot:%Y-%m-%d %H:%M}"
    assert "Added to the queue" in page.inner_text("#flash")

    # Drag it to the next day: the server moves it, same time of day.
    page.goto(f"{live_server}/calendar?week={slot:%G-W%V}")
    assert _item_day(page, post_id) == f"{slot:%Y-%m-%d}"
    target = slot + timedelta(days=1)
    page.goto(f"{live_server}/calendar?month={slot:%Y-%m}")
    page.drag_and_drop(f'[data-move="/posts/{post_id}/move"]', f'td[data-day="{target:%Y-%m-%d}"]')
    page.wait_for_selector("#flash :text('moved to')")
    assert _item_day(page, post_id) == f"{target:%Y-%m-%d}"
    page.screenshot(path=str(ARTIFACTS / "planning-calendar-1280.png"), full_page=True)

    # The keyboard way: open its Move form, type a date, press Enter.
    again = target + timedelta(days=1)
    item = page.locator(f'[data-move="/posts/{post_id}/move"]')
    item.locator("summary").focus()
    page.keyboard.press("Enter")
    item.locator("input[name=date]").fill(f"{again:%Y-%m-%d}")
    item.locator("input[name=date]").press("Enter")
    page.wait_for_selector("#flash :text('moved to')")
    page.goto(f"{live_server}/calendar?month={again:%Y-%m}")
    assert _item_day(page, post_id) == f"{again:%Y-%m-%d}"
    page.goto(f"{live_server}/posts/{post_id}")
    assert page.inner_text("[data-testid=scheduled-at]") == f"{again:%Y-%m-%d} {slot:%H:%M}"

    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{live_server}/schedule")
    page.screenshot(path=str(ARTIFACTS / "planning-schedule-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / "planning-schedule-390.png"), full_page=True)
    page.goto(f"{live_server}/calendar?month={again:%Y-%m}")
    page.screenshot(path=str(ARTIFACTS / "planning-calendar-390.png"), full_page=True)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    page.context.close()
