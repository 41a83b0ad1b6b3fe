"""In headless Chromium: a patient's dosage question is held with the automatic reply, a clinician
answers it from the review queue and the patient reads the answer; a new patient joins a private
group and a flagged post waits for its moderator; a clinician finds a job."""

import re

from app.demo import DEMO_USERS
from tests.web.test_login_browser import log_in, unique_word

PASSWORDS = {spec["username"]: spec["password"] for spec in DEMO_USERS}


def _session(browser, base, username):
    page = browser.new_context(locale="en-GB").new_page()
    log_in(page, base, username, PASSWORDS[username])
    page.wait_for_selector("[data-testid=whoami]")
    return page


def test_a_held_dosage_question_is_answered_from_the_queue(browser, live_server):
    question = f"How many mg of ibuprofen can I give my 3 year old son? ({unique_word()})"
    patient = _session(browser, live_server, "patient")
    patient.click("a[data-nav=group_list]")
    patient.click("text=Diabetes tipo 2: apoyo")
    patient.fill("#new-thread input[name=title]", "Ibuprofen for a toddler")
    patient.fill("textarea[name=text]", question)
    patient.click("form:has(textarea[name=text]) button[type=submit]")
    patient.wait_for_url(re.compile(r".*/groups/\d+/posts/\d+$"))
    thread_url = patient.url
    assert "112" in patient.inner_text("[data-testid=auto-reply]")
    assert "waiting for review" in patient.inner_text("[data-testid=post-status]")

    neighbour = _session(browser, live_server, "admin")
    assert neighbour.goto(thread_url).status == 404

    clinician = _session(browser, live_server, "clinician")
    clinician.click("a[data-nav=review_queue]")
    clinician.click(f"[data-testid=review-link]:has-text('{question[:40]}')")
    assert "unsafe_consultation" in clinician.inner_text(
        "main"
    ) or "consulta" in clinician.inner_text("main")
    clinician.fill(
        "form#decision textarea[name=text]",
        "Ibuprofen is dosed by weight: ask your pharmacist with the box.",
    )
    clinician.click("form#decision button[value=answer]")
    clinician.wait_for_url(re.compile(r".*/review$"))

    patient.goto(thread_url)
    answer = patient.locator("[data-testid=group-post]:has-text('dosed by weight')")
    answer.wait_for()
    assert "Clinician's answer" in answer.inner_text()
    assert "waiting for review" not in patient.inner_text("main")
    patient.goto(live_server + "/notifications")
    assert "answered by a clinician" in patient.inner_text("main")


def test_a_clinician_posts_a_job_and_another_finds_it(browser, live_server):
    title = f"Night GP cover {unique_word()}"
    author = _session(browser, live_server, "clinician")
    author.click("a[data-nav=network_feed]")
    author.click("summary:has-text('New post')")
    author.select_option("select[name=kind]", "job")
    author.fill("input[name=title]", title)
    author.fill("textarea[name=text]", "Weekend nights at the practice, team of three.")
    author.fill("input[name=place]", "Madrid")
    author.fill("input[name=hours]", "22:00-08:00")
    author.fill("input[name=contact]", "jobs@example.org")
    author.click("details form button[type=submit]")
    author.wait_for_url(re.compile(r".*/network/posts/\d+$"))

    # The demo's second clinician is verified by the admin first, then searches the network.
    admin = _session(browser, live_server, "admin")
    admin.goto(live_server + "/admin/users")
    row = admin.locator("tr:has-text('newdoctor')")
    if row.locator("button:has-text('Verify')").count():
        row.locator("input[name=licence_number]").fill("08/0876543")
        row.locator("button:has-text('Verify')").click()
        admin.wait_for_load_state()
    seeker = _session(browser, live_server, "newdoctor")
    seeker.goto(live_server + "/network?q=" + title.split()[-1] + "&kind=job")
    found = seeker.locator(f"[data-testid=network-post]:has-text('{title}')")
    found.wait_for()
    assert "22:00-08:00" in found.inner_text()


def test_a_flagged_post_in_a_private_group_waits_for_its_moderator(browser, live_server):
    stamp = unique_word()
    name = f"Paseante {stamp[-4:]}"
    newcomer = browser.new_context(locale="en-GB").new_page()
    newcomer.goto(live_server + "/register")
    newcomer.fill("input[name=username]", f"walker{stamp}")
    newcomer.fill("input[name=display_name]", name)
    newcomer.fill("input[name=password]", "a-long-enough-password")
    newcomer.click("main form button[type=submit]")
    newcomer.wait_for_selector("[data-testid=whoami]")
    newcomer.click("a[data-nav=group_list]")
    newcomer.click("text=Cuidadores")
    assert "Only members can read this group" in newcomer.inner_text("main")
    newcomer.check("input[name=accept_rules]")
    newcomer.click("#membership button[type=submit]")
    newcomer.wait_for_selector("[data-testid=join-status]")
    group_url = newcomer.url

    # The group's admin approves the request from the members page.
    admin = _session(browser, live_server, "admin")
    admin.goto(group_url)
    admin.click("text=Members and requests")
    admin.click(f"tr[data-member]:has-text('{name}') button:has-text('Approve')")
    admin.wait_for_selector(f"tr:has-text('{name}') .badge.active")

    # A real invitation that reads like spam to the classifier: hidden until a moderator looks.
    text = f"Caminata solidaria el sábado, inscripción gratis en www.caminata.example ({stamp})"
    newcomer.goto(group_url)
    newcomer.fill("#new-thread input[name=title]", "Hello")
    newcomer.fill("textarea[name=text]", text)
    newcomer.click("form:has(textarea[name=text]) button[type=submit]")
    newcomer.wait_for_url(re.compile(r".*/groups/\d+/posts/\d+$"))
    thread_url = newcomer.url
    assert "waiting for review" in newcomer.inner_text("[data-testid=post-status]")

    member = _session(browser, live_server, "patient")
    member.goto(group_url)
    assert stamp not in member.inner_text("main")
    assert member.goto(thread_url).status == 404

    admin.goto(group_url)
    admin.click("#membership a:has-text('Review queue')")
    admin.click(f"[data-testid=review-link]:has-text('{stamp}')")
    assert "spam" in admin.inner_text("main")
    admin.click("form#decision button[value=approve]")
    admin.wait_for_url(re.compile(r".*/review$"))

    member.goto(group_url)
    shown = member.locator(f"[data-testid=group-post]:has-text('{stamp}')")
    shown.wait_for()
    assert name in shown.inner_text()
    assert "waiting for review" not in shown.inner_text()
