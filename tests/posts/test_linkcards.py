"""Link cards: Open Graph tags read from the linked page, fetched only from public addresses."""

import httpx
import pytest

from app.posts.linkcards import CardFetcher, public_address

PAGE = """<html><head><title>Fallback</title>
<meta property="og:title" content="Vacuna de la gripe">
<meta property="og:description" content="Pide cita en recepción">
<meta property="og:image" content="/gripe.png"></head><body>...</body></html>""".encode()
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


def fetcher(handler, addresses=("93.184.215.14",)):
    seen = []

    def resolver(host, port):
        seen.append(host)
        return list(addresses)

    def recorded(request):
        seen.append(request)
        return handler(request)

    return CardFetcher(resolver=resolver, transport=httpx.MockTransport(recorded)), seen


def test_the_card_has_the_pages_open_graph_title_description_and_image():
    def handler(request):
        if request.url.path == "/gripe.png":
            return httpx.Response(200, content=PNG, headers={"content-type": "image/png"})
        return httpx.Response(
            200, content=PAGE, headers={"content-type": "text/html; charset=utf-8"}
        )

    cards, seen = fetcher(handler)
    card = cards.card("https://clinica.example/gripe")
    assert (card.title, card.description, card.site) == (
        "Vacuna de la gripe",
        "Pide cita en recepción",
        "clinica.example",
    )
    assert card.image.startswith("data:image/png;base64,")
    page = seen[1]
    # The request goes to the address that was checked, under the host's own name.
    assert page.url.host == "93.184.215.14" and page.headers["host"] == "clinica.example"
    assert page.extensions["sni_hostname"] == "clinica.example"
    assert cards.card("https://clinica.example/gripe") is card  # cached per URL
    assert len([s for s in seen if isinstance(s, httpx.Request)]) == 2


def test_without_open_graph_the_title_is_the_pages_title():
    page = b"<html><head><title> Horario de verano </title></head></html>"
    cards, _seen = fetcher(
        lambda r: httpx.Response(200, content=page, headers={"content-type": "text/html"})
    )
    card = cards.card("http://clinica.example/")
    assert (card.title, card.image) == ("Horario de verano", None)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.1.9",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "100.64.0.1",
    ],
)
def test_loopback_private_and_link_local_addresses_are_never_fetched(address):
    cards, seen = fetcher(
        lambda r: httpx.Response(200, content=PAGE, headers={"content-type": "text/html"}),
        [address],
    )
    assert cards.card("https://intranet.example/") is None
    assert not any(isinstance(s, httpx.Request) for s in seen)
    assert public_address("93.184.215.14") and not public_address(address)


def test_a_redirect_to_a_private_address_or_another_scheme_is_refused():
    addresses = {"public.example": ["93.184.215.14"], "inside.example": ["10.0.0.5"]}

    def handler(request):
        return httpx.Response(302, headers={"location": "http://inside.example/admin"})

    cards = CardFetcher(
        resolver=lambda host, port: addresses[host], transport=httpx.MockTransport(handler)
    )
    assert cards.card("https://public.example/") is None
    assert cards.card("ftp://public.example/") is None
    assert cards.card("file:///etc/passwd") is None


def test_a_page_that_does_not_answer_in_time_gives_no_card():
    timeouts = []

    def handler(request):
        timeouts.append(request.extensions["timeout"]["read"])
        raise httpx.ReadTimeout("slow", request=request)

    cards, _seen = fetcher(handler)
    assert cards.card("https://slow.example/") is None
    assert 0 < timeouts[0] <= 2.0


def test_anything_but_an_html_page_is_ignored():
    cards, _seen = fetcher(
        lambda r: httpx.Response(
            200, content=b"%PDF-1.7", headers={"content-type": "application/pdf"}
        )
    )
    assert cards.card("https://clinica.example/folleto.pdf") is None


def test_only_the_first_part_of_a_huge_page_is_read():
    huge = b"<html><head><title>Big</title></head><body>" + b"x" * 3_000_000
    cards, _seen = fetcher(
        lambda r: httpx.Response(200, content=huge, headers={"content-type": "text/html"})
    )
    assert cards.card("https://clinica.example/big").title == "Big"
