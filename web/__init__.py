"""Server-rendered pages: Jinja2 templates, htmx and static files."""
