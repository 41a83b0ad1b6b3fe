"""/docs renders the API in Chromium with no network beyond carepost itself."""


def test_docs_render_offline_under_the_content_security_policy(live_server, page):
    outside = []
    errors = []
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(live_server)
            else (outside.append(route.request.url), route.abort())
        ),
    )
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server + "/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15000)
    assert "carepost" in page.inner_text(".swagger-ui .info .title")
    assert page.locator(".opblock").count() > 10
    assert outside == []
    assert errors == []
