"""gettext catalogues: messages.pot (extracted) and one messages.po per language."""
