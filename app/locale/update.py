"""Extract every user-facing message and bring the catalogues up to date.

    python -m app.locale.update

Same as `pybabel extract -F babel.cfg -k ... -o app/locale/messages.pot . && pybabel update
-i app/locale/messages.pot -d app/locale`, plus: Spanish entries still only in `app.i18n.ES` are
carried into the Spanish catalogue. Prints what is still untranslated or fuzzy.
"""

import copy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from app.i18n import ES, LOCALE_DIR, LOCALES

ROOT = LOCALE_DIR.parents[1]
TEMPLATE = LOCALE_DIR / "messages.pot"
# Every call whose first text argument is shown to a user: gettext's own names, the marker for
# text translated later, and the errors services raise (their message is translated when shown).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "N_": None,
    "Message": None,
    "DomainError": None,
    "InvalidInput": None,
    "NotFound": None,
    "PermissionDenied": None,
    "Conflict": None,
    "TooManyRequests": None,
    "problem": (2,),
    "flash": (2,),
}
WIDTH = 100


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"


def extract() -> Catalog:
    """Every message in the source (app/, moderation/, scheduler/, web/ and the templates)."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    catalog = Catalog(project="carepost", msgid_bugs_address=None, charset="utf-8")
    found = extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, comment_tags=("Translators:",)
    )
    for filename, lineno, message, comments, context in found:
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def read(locale: str) -> Catalog:
    """The catalogue of locale as stored (an empty one when there is none yet)."""
    path = po_path(locale)
    if not path.exists():
        return Catalog(locale=locale, project="carepost", charset="utf-8")
    with path.open("rb") as source:
        return read_po(source, locale=locale)


def write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        write_po(out, catalog, width=WIDTH, include_lineno=False, ignore_obsolete=True)


def carry_legacy(catalog: Catalog) -> None:
    """Fill untranslated or fuzzy Spanish entries from the ES dict, where it has them."""
    for message in catalog:
        if message.context or isinstance(message.id, tuple) or message.id not in ES:
            continue
        if not message.string or message.fuzzy:
            message.string = ES[message.id]
            message.flags.discard("fuzzy")


def untranslated(catalog: Catalog) -> list[str]:
    """Message ids with no translation, or only a fuzzy guess."""
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def main() -> int:
    template = extract()
    write(template, TEMPLATE)
    for locale in LOCALES:
        catalog = read(locale)
        # update() adopts the template's entries as they are: each catalogue gets its own copy.
        catalog.update(copy.deepcopy(template), update_header_comment=False)
        if locale == "es":
            carry_legacy(catalog)
            for msgid in untranslated(catalog):
                print(f"es: untranslated or fuzzy: {msgid!r}")  # noqa: T201
        write(catalog, po_path(locale))
    return 0


if __name__ == "__main__":
    sys.exit(main())
