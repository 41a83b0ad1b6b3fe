"""In headless Chromium: every role's main pages read wholly in the language chosen, Spanish or English.

A page fails on text of the other language: a message of the catalogue shown untranslated (or a
Spanish translation on an English page), a raw status or kind key, or a known UI word of the other
language in the page's controls, headings and labels.
"""

import re

import pytest
from babel.messages.pofile import read_po

from app.demo import DEMO_USERS
from app.i18n import LABELS
from app.locale.update import po_path

PASSWORDS = {spec["username"]: spec["password"] for spec in DEMO_USERS}
ROLES = ["admin", "marketing", "clinician", "patient"]
# Detail pages reached from the menu's pages, the first few of each kind a role can open.
DETAILS = [
    r"/posts/\d+$",
    r"/groups/\d+$",
    r"/groups/\d+/posts/\d+$",
    r"/questions/\d+$",
    r"/network/posts/\d+$",
    r"/review/\d+$",
    r"/notifications$",
    r"/strikes$",
]
PER_KIND = 4
# Words of each language's interface that never belong on a page in the other one.
WORDS = {
    "en": [
        "Log out",
        "Save",
        "Search",
        "Notifications",
        "Home",
        "Users",
        "Groups",
        "Questions",
        "Cancel",
        "Edit",
        "Status",
        "Channel",
        "Schedule",
        "Reply",
        "Publish",
        "Account",
        "Language",
        "Welcome",
        "pending",
        "reason",
        "strikes",
        "weekly",
        "public",
        "private",
        "approved",
        "published",
        "Members",
        "Title",
        "Kind",
        "Filter",
        "Older",
        "Comment",
    ],
    "es": [
        "Salir",
        "Guardar",
        "Buscar",
        "Notificaciones",
        "Inicio",
        "Usuarios",
        "Grupos",
        "Preguntas",
        "Cancelar",
        "Editar",
        "Estado",
        "Canal",
        "Programar",
        "Responder",
        "Publicar",
        "Cuenta",
        "Idioma",
        "Hola",
        "pendiente",
        "motivo",
        "faltas",
        "semanal",
        "público",
        "privado",
        "aprobada",
        "publicada",
        "Miembros",
        "Título",
        "Tipo",
        "Filtrar",
    ],
}
# Text shown as interface: controls, headings, labels and badges (user content lives elsewhere).
CHROME = (
    "nav a, button, label, th, legend, summary, option, h1, h2, h3, dt, .badge, .error, "
    "[role=alert], .who, title"
)
PAGE_TEXT = """chrome => {
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (['SCRIPT', 'STYLE'].includes(parent.tagName) || parent.closest('[translate=no]')) continue;
    texts.push(node.textContent);
  }
  const shown = selector => [...document.querySelectorAll(selector)]
    .filter(e => !e.closest('[translate=no]'));
  const ownText = e => {
    const copy = e.cloneNode(true);
    copy.querySelectorAll('[translate=no]').forEach(inner => inner.remove());
    return copy.textContent;
  };
  const controls = shown(chrome).map(ownText);
  for (const e of shown('[placeholder], [aria-label], [title]')) {
    for (const name of ['placeholder', 'aria-label', 'title']) {
      if (e.getAttribute(name)) controls.push(e.getAttribute(name));
    }
  }
  return {texts, controls, lang: document.documentElement.lang};
}"""
# Names people chose (the demo's accounts and channel) and the language picker's own entries:
# the same in every language. Identifiers such as audit codes are marked translate="no".
NAMES = {"English", "Español", "Outbox"}
NAMES |= {spec["username"] for spec in DEMO_USERS} | {spec["display_name"] for spec in DEMO_USERS}


def squeeze(text: str) -> str:
    return " ".join(text.split())


def pattern_of(msgid: str) -> re.Pattern:
    """The message as it can appear on a page: its {fields} stand for any text."""
    parts = re.split(r"\{\w*\}|%\(\w+\)s", msgid)
    return re.compile("^" + ".+".join(re.escape(part) for part in parts) + "$")


@pytest.fixture(scope="module")
def foreign():
    """For each page language, the catalogue's texts that belong to the other language."""
    with po_path("es").open("rb") as source:
        catalogue = read_po(source, locale="es")
    english, spanish = [], []
    for message in catalogue:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid, text in zip(ids, strings, strict=False):
            msgid, text = squeeze(msgid), squeeze(text)
            if not msgid or not text or msgid.casefold() == text.casefold():
                continue
            if len(re.sub(r"\{\w*\}|%\(\w+\)s|\W", "", msgid)) < 3:
                continue  # "X", "; ", "{field}: {problem}": nothing of a language to see
            english.append(pattern_of(msgid))
            spanish.append(pattern_of(text))
    return {"es": english, "en": spanish}


def raw_keys() -> set[str]:
    return {key for key in LABELS if "_" in key}


def pick_language_on_login_page(page, base: str, locale: str) -> None:
    """The header's switch offers the other language: used only when the page is not in locale."""
    page.goto(base + "/login")
    if page.get_attribute("html", "lang") != locale:
        page.click("[data-testid=language-switch]")
        page.wait_for_url("**/login")
        page.wait_for_selector(f"html[lang={locale}]")


def choose_language_and_log_in(page, base: str, locale: str, username: str) -> None:
    pick_language_on_login_page(page, base, locale)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username])
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_selector("[data-testid=whoami]")


def pages_of(page, base: str) -> list[str]:
    """The role's menu pages, then up to PER_KIND pages of each detail kind linked from them."""
    menu = page.eval_on_selector_all("#nav a", "links => links.map(a => a.getAttribute('href'))")
    found = list(menu)
    for path in menu:
        page.goto(base + path)
        links = page.eval_on_selector_all(
            "a[href^='/']", "as => as.map(a => a.getAttribute('href'))"
        )
        for link in dict.fromkeys(link.split("#")[0] for link in links):
            for pattern in DETAILS:
                seen = [path for path in found if re.search(pattern, path)]
                if re.search(pattern, link) and link not in found and len(seen) < PER_KIND:
                    found.append(link)
    return found + ["/no-such-page"]


def problems_on(page, locale: str, foreign: dict) -> list[str]:
    shown = page.evaluate(PAGE_TEXT, CHROME)
    texts = {squeeze(t) for t in shown["texts"]} | {squeeze(t) for t in shown["controls"]}
    texts -= {""} | NAMES
    problems = [] if shown["lang"] == locale else [f"<html lang={shown['lang']}>"]
    for text in sorted(texts):
        if any(pattern.match(text) for pattern in foreign[locale]):
            problems.append(f"untranslated: {text!r}")
        problems += [f"raw key: {key!r}" for key in raw_keys() if re.search(rf"\b{key}\b", text)]
    other = "es" if locale == "en" else "en"
    # The demo's posts, groups and questions are written in Spanish: on a Spanish page every text
    # is searched for English words, on an English page only the interface's own text.
    searched = texts if locale == "es" else {squeeze(t) for t in shown["controls"]} - NAMES
    for text in searched:
        for word in WORDS[other]:
            if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text):
                problems.append(f"{other} word {word!r} in {text!r}")
    return problems


@pytest.mark.parametrize("locale", ["es", "en"])
@pytest.mark.parametrize("username", ROLES)
def test_every_page_of_a_role_reads_in_the_chosen_language(
    page, live_server, foreign, username, locale
):
    choose_language_and_log_in(page, live_server, locale, username)
    found = {}
    for path in pages_of(page, live_server):
        response = page.goto(live_server + path)
        problems = problems_on(page, locale, foreign)
        if response.status >= 500:
            problems.append(f"status {response.status}")
        if problems:
            found[path] = sorted(set(problems))
    assert found == {}, "\n".join(f"{path}: {found[path]}" for path in found)


def test_the_log_in_page_reads_in_the_language_picked_on_it(page, live_server, foreign):
    for locale in ("es", "en"):
        pick_language_on_login_page(page, live_server, locale)
        assert problems_on(page, locale, foreign) == []
