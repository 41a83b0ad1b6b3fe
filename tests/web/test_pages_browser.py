"""Every page, for every role, in Chromium at 1280 px and 390 px: no console error, no failed
request, nothing wider than the screen. Pages are found by following the links each role is shown,
starting from its menu, so detail pages are visited with the demo data's own ids."""

import re
from collections import deque
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.routing import APIRoute

from app.demo import DEMO_USERS
from tests.web.conftest import ARTIFACTS
from tests.web.test_login_browser import log_in, unique_word

PASSWORDS = {spec["username"]: spec["password"] for spec in DEMO_USERS}
# The patient goes first: the question it leaves gives the reviewers a queue item to open.
ROLES = {
    "patient": "patient",
    "marketing": "marketing",
    "admin": "admin",
    "clinician": "clinician",
    "unverified-clinician": None,  # made by the walk: other tests verify the demo's newdoctor
}
NEW_CLINICIAN_PASSWORD = "walk-clinician-2026"
WIDE, PHONE = 1280, 390
# GET routes under the page routers that are not pages a person reads.
NOT_PAGES = {
    "notification_bell": "a fragment the header polls",
    "post_export": "a CSV download",
    "reminder_report_csv": "a CSV download",
    "channel_x_callback": "X's OAuth redirect target, valid only with X's state",
    "kannel_inbound": "Kannel's signed callback for an inbound SMS, not a page",
    "kannel_dlr": "Kannel's signed delivery report, not a page",
    "docs": "the API reference; tests/web/test_docs_browser.py renders it offline",
    "phone_conversation": "exists once an SMS reached the local phone; tests/sms drive it",
    "survey_results_csv": "a CSV download",
    "call_phone_call": "exists once a call rang on the browser phone; tests/calls drive it",
    "mailbox_message": "exists once an e-mail reached the local mailbox; tests/newsletters drive it",
    "newsletter_results_csv": "a CSV download",
    "analytics_csv": "a CSV download",
    "newsletter_click": "a tracked link's redirect, not a page",
    "newsletter_opened": "a newsletter's tracking image, not a page",
    "newsletter_confirm": "opened from the confirmation e-mail's link; tests/newsletters drive it",
    "newsletter_unsubscribe": "opened from a newsletter's link; tests/newsletters drive it",
    "newsletter_preferences": "opened from a newsletter's link; tests/newsletters drive it",
    "facebook_webhook_verify": "Meta's signed webhook handshake, not a page",
    "group_image": "an image inside a group post; tests/groups drive it",
    "login_code": "opens only after the password step of an account with two-factor sign-in; "
    "tests/web/test_two_factor_browser.py drives it",
}
ANONYMOUS_PAGES = {"login", "register"}
# Linked from nowhere in the menus: the outbox is opened from a delivery's "View post" link, which
# exists only once something was published; start there so it is checked in any case.
EXTRA_SEEDS = {"admin": ["/outbox"], "marketing": ["/outbox"]}
MAX_PAGES_PER_ROLE = 60

OVERFLOW = "() => document.scrollingElement.scrollWidth"


@dataclass
class Walk:
    visited: dict[tuple, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@cache
def page_routes() -> tuple[APIRoute, ...]:
    """The app's page routes (GET, outside the API), in matching order."""
    from app.main import create_app

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CAREPOST_SECRET_KEY", "routes-only-" + "k" * 40)
        patch.setenv("CAREPOST_RUN_SCHEDULER", "false")
        from app import settings

        settings.get_settings.cache_clear()
        try:
            app = create_app()
        finally:
            settings.get_settings.cache_clear()
    return tuple(
        route
        for route in _flatten(app.routes)
        if isinstance(route, APIRoute)
        and "GET" in route.methods
        and not route.include_in_schema
        and route.name not in NOT_PAGES
    )


def _flatten(routes):
    """Routes in matching order (newer FastAPI keeps an included router as one entry)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _flatten(inner.routes)
        else:
            yield route


def route_name(routes: tuple[APIRoute, ...], path: str) -> str | None:
    for route in routes:
        if route.path_regex.match(path):
            return route.name
    return None


class Recorder:
    """Console errors, uncaught exceptions and failed requests of one page, per visit."""

    def __init__(self, page, base: str):
        self.base = base
        self.found: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.found.append(f"uncaught error: {error}"))
        page.on("response", self._response)
        page.on("requestfailed", self._failed)

    def _console(self, message) -> None:
        if message.type == "error":
            self.found.append(f"console error: {message.text}")

    def _response(self, response) -> None:
        if response.status >= 400 and response.url.startswith(self.base):
            self.found.append(f"{response.status} for {urlsplit(response.url).path}")

    def _failed(self, request) -> None:
        # A request cut short by the next navigation is not a failure of the page.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.found.append(f"request failed: {request.url} ({request.failure})")

    def take(self) -> list[str]:
        found, self.found = self.found, []
        return found


def check_page(page, recorder: Recorder, url: str, label: str, walk: Walk, shot: str | None):
    """Load url at the wide width, then narrow the window to a phone's: record every problem.

    The server's answer does not depend on the width, so one load serves both; narrowing the
    window applies the phone's media queries as a phone's first render would.
    """
    page.set_viewport_size({"width": WIDE, "height": 900})
    response = page.goto(url, wait_until="load")
    if response is None or response.status != 200:
        walk.problems.append(f"{label} {url}: answered {response and response.status}")
        recorder.take()
        return
    if page.locator("#nav").count():
        # htmx fills the header's bell after load: wait so that its request is judged too.
        page.wait_for_selector("[data-testid=bell-count]", state="attached")
    for width in (WIDE, PHONE):
        page.set_viewport_size({"width": width, "height": 900})
        scroll_width = page.evaluate(OVERFLOW)
        if scroll_width > width:
            walk.problems.append(f"{label} {url} at {width} px: the page is {scroll_width} px wide")
        if shot:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{shot}-{width}.png"), full_page=True)
    walk.problems += [f"{label} {url}: {problem}" for problem in recorder.take()]


def crawl(page, base: str, routes, label: str, seeds: list[str], main_page: str) -> Walk:
    """Visit each page kind this role can reach once (one per route and set of query keys)."""
    walk = Walk()
    recorder = Recorder(page, base)
    queue = deque(seeds)
    while queue and len(walk.visited) < MAX_PAGES_PER_ROLE:
        url = queue.popleft()
        parts = urlsplit(url)
        name = route_name(routes, parts.path)
        if name is None or name in ANONYMOUS_PAGES:
            continue
        key = (name, tuple(sorted({k for k, _ in parse_qsl(parts.query)})))
        if key in walk.visited:
            continue
        walk.visited[key] = url
        shot = label if parts.path == main_page and not parts.query else None
        check_page(page, recorder, url, label, walk, shot)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            if href.startswith(base + "/"):
                queue.append(href.split("#")[0])
    return walk


def leave_a_held_question(page, base: str) -> list[str]:
    """A dose question in the public group: held for a clinician, so the review queue has an item."""
    page.goto(base + "/groups")
    page.click("text=Diabetes tipo 2: apoyo")
    page.fill("#new-thread input[name=title]", "Ibuprofen dose")
    page.fill("textarea[name=text]", f"How many mg of ibuprofen for my son of 3? ({unique_word()})")
    page.click("form:has(textarea[name=text]) button[type=submit]")
    page.wait_for_url(re.compile(r".*/groups/\d+/posts/\d+$"))
    return [page.url]


def save_a_draft(page, base: str) -> list[str]:
    """A draft post: its page offers Edit, which the demo's scheduled and published posts may not."""
    page.goto(base + "/posts/new")
    page.fill("textarea[name=text]", f"Draft for the page walk {unique_word()}")
    page.check("input[name=channels]")
    page.click("form#compose button[type=submit]")
    page.wait_for_url(re.compile(r".*/posts/\d+$"))
    return [page.url]


def open_an_edited_thread(page, base: str) -> list[str]:
    """The demo's edited conversation: its moderators (the admin) see its earlier versions."""
    page.goto(base + "/groups")
    page.click("text=Diabetes tipo 2: apoyo")
    page.click("text=La receta de lentejas del taller")
    return [page.url, *page.eval_on_selector_all("a[href$='/history']", "l => l.map(a => a.href)")]


PREPARE = {
    "patient": leave_a_held_question,
    "marketing": save_a_draft,
    "admin": open_an_edited_thread,
}


def create_unverified_clinician(browser, base: str) -> str:
    """An admin creates a clinician through the users page (verification is a separate step)."""
    username = f"walkdoc-{unique_word()}"
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    log_in(page, base, "admin", PASSWORDS["admin"])
    page.wait_for_selector("[data-testid=whoami]")
    page.goto(base + "/admin/users")
    form = page.locator("form[action$='/admin/users']")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=display_name]").fill("Dra. Paula Prieto")
    form.locator("select[name=role]").select_option("clinician")
    form.locator("input[name=licence_number]").fill("28/1112223")
    form.locator("input[name=password]").fill(NEW_CLINICIAN_PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=flash]")
    assert page.inner_text("[data-testid=flash] p") == f"Account {username} created."
    context.close()
    return username


@pytest.fixture(scope="module")
def site_walk(browser, live_server) -> dict[str, Walk]:
    """Each role's walk through the site (one browser context per role), plus the log-in pages."""
    routes = page_routes()
    walks = {}
    passwords = dict(PASSWORDS)
    users = dict(
        ROLES, **{"unverified-clinician": create_unverified_clinician(browser, live_server)}
    )
    passwords[users["unverified-clinician"]] = NEW_CLINICIAN_PASSWORD
    for label, username in users.items():
        context = browser.new_context(locale="en-GB", viewport={"width": WIDE, "height": 900})
        page = context.new_page()
        log_in(page, live_server, username, passwords[username])
        page.wait_for_selector("[data-testid=whoami]")
        nav = page.eval_on_selector_all("#nav a", "links => links.map(a => a.href)")
        seeds = [live_server + "/", *PREPARE.get(label, lambda *_: [])(page, live_server), *nav]
        seeds += [live_server + path for path in EXTRA_SEEDS.get(label, [])]
        walks[label] = crawl(page, live_server, routes, label, seeds, "/")
        context.close()
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    anonymous = Walk()
    recorder = Recorder(page, live_server)
    for name in sorted(ANONYMOUS_PAGES):
        url = live_server + "/" + name
        anonymous.visited[(name, ())] = url
        check_page(page, recorder, url, "anonymous", anonymous, f"anonymous-{name}")
    walks["anonymous"] = anonymous
    context.close()
    return walks


@pytest.mark.parametrize("label", [*ROLES, "anonymous"])
def test_every_page_has_no_error_and_fits_a_phone(site_walk, label):
    walk = site_walk[label]
    assert walk.visited, f"{label} reached no page"
    assert walk.problems == []


def test_the_walk_reaches_every_page_of_the_app(site_walk):
    reached = {name for walk in site_walk.values() for name, _ in walk.visited}
    missing = sorted({route.name for route in page_routes()} - reached)
    assert missing == [], "pages no role reached by following links: add a seed or a link"


def test_the_main_page_of_each_role_is_saved_at_both_widths(site_walk):
    for label in [*ROLES, "anonymous-login"]:
        for width in (WIDE, PHONE):
            assert (ARTIFACTS / f"{label}-{width}.png").stat().st_size > 0


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(locale="en-GB", viewport={"width": PHONE, "height": 800})
    page = context.new_page()
    log_in(page, live_server, "admin", PASSWORDS["admin"])
    page.wait_for_selector("[data-testid=whoami]", state="attached")
    yield page
    context.close()


def test_on_a_phone_the_menu_opens_from_a_button(phone, live_server):
    use_language(phone, live_server, "es")
    toggle = phone.locator(".menu-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not phone.locator("#nav").is_visible()
    header_height = phone.locator("header.top").bounding_box()["height"]
    assert header_height < 80, f"the closed header takes {header_height} px"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert phone.locator("#nav a[data-nav=admin_users]").is_visible()
    assert phone.locator("[data-testid=whoami]").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "admin-menu-open-390.png"))
    phone.keyboard.press("Escape")
    assert not phone.locator("#nav").is_visible()


def use_language(page, base: str, lang: str) -> None:
    """Switch this browser session's language (the demo users have no language of their own)."""
    token = page.get_attribute("meta[name=csrf-token]", "content")
    page.request.post(base + "/language", form={"lang": lang, "next": "/", "csrf_token": token})
    page.goto(base + "/")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_on_a_wide_screen_the_admin_menu_is_one_line_without_a_button(page, live_server, lang):
    page.set_viewport_size({"width": WIDE, "height": 900})
    log_in(page, live_server, "admin", PASSWORDS["admin"])
    page.wait_for_selector("[data-testid=whoami]")
    use_language(page, live_server, lang)
    assert page.get_attribute("html", "lang") == lang
    assert not page.locator(".menu-toggle").is_visible()
    links = page.locator("#nav a")
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
    assert len(tops) == 1, f"the menu wraps onto {len(tops)} lines"


def test_a_table_reads_as_labelled_cards_on_a_phone(phone, live_server):
    phone.goto(live_server + "/admin/users")
    row = phone.locator("#users tbody tr").first
    cell = row.locator("td[data-label]").first
    label = cell.evaluate("c => getComputedStyle(c, '::before').content")
    assert label.strip('"') == cell.get_attribute("data-label") == "Username"
    assert row.evaluate("r => getComputedStyle(r).display") == "block"


def test_the_favicon_is_linked_and_served(page, live_server):
    page.goto(live_server + "/login")
    href = page.get_attribute("link[rel=icon]", "href")
    response = page.request.get(live_server + href)
    assert response.status == 200 and "image/svg+xml" in response.headers["content-type"]


def test_the_header_names_the_practice_once(page, live_server):
    page.goto(live_server + "/login")
    brand = page.inner_text(".brand").strip()
    assert brand.lower().count("carepost") == 1, brand
