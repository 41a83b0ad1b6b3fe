"""Link cards for the compose preview: a linked page's Open Graph title, description and image.

The server fetches pages a marketer typed, so every fetch is fenced: http(s) only, the host's
addresses resolved first and refused when any is loopback, private, link-local or otherwise not
public, the request then made to that checked address (no second lookup an attacker could answer
differently), 2 s in all, a few hundred kilobytes at most, three redirects each checked again.
Results are cached per URL. The resolver, the address check and the HTTP transport are injectable.
"""

import base64
import ipaddress
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

TIMEOUT = 2.0
MAX_PAGE_BYTES = 512 * 1024
MAX_IMAGE_BYTES = 1024 * 1024
MAX_REDIRECTS = 3
CACHE_SIZE = 256
CACHE_SECONDS = 3600
MISS_SECONDS = 300  # a page that gave no card is tried again sooner
HTML_TYPES = ("text/html", "application/xhtml+xml")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


@dataclass(frozen=True)
class LinkCard:
    url: str
    title: str
    description: str = ""
    image: str | None = None  # a data: URI (pages allow no images from elsewhere)
    site: str = ""


class Refused(Exception):
    """The URL may not be fetched (scheme, address) or did not answer as a page."""


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the host resolves to."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def public_address(address: str) -> bool:
    """Whether an address is on the public internet (not loopback, private, link-local, …)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class _Meta(HTMLParser):
    """og: properties and the <title>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title, self._in_title = "", False

    def handle_starttag(self, tag, attrs):
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (values.get("property") or values.get("name") or "").lower()
            if key.startswith("og:") and key not in self.meta:
                self.meta[key] = values.get("content", "").strip()
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title and len(self.title) < 300:
            self.title += data


class CardFetcher:
    """Fetches and caches link cards; see the module's docstring for the fences."""

    def __init__(
        self,
        *,
        resolver: Callable[[str, int], list[str]] = system_resolver,
        allowed: Callable[[str], bool] = public_address,
        transport: httpx.BaseTransport | None = None,
        timeout: float = TIMEOUT,
    ):
        self.resolver, self.allowed, self.timeout = resolver, allowed, timeout
        self.client = httpx.Client(transport=transport, follow_redirects=False, trust_env=False)
        self.cache: OrderedDict[str, tuple[float, LinkCard | None]] = OrderedDict()
        self.lock = threading.Lock()

    def card(self, url: str) -> LinkCard | None:
        """The page's card, or None when it cannot be fetched or is no HTML page."""
        with self.lock:
            hit = self.cache.get(url)
            if hit and hit[0] > time.monotonic():
                self.cache.move_to_end(url)
                return hit[1]
        try:
            card = self._card(url, time.monotonic() + self.timeout)
        except (Refused, httpx.HTTPError, OSError, ValueError, UnicodeError):
            card = None
        with self.lock:
            keep = CACHE_SECONDS if card is not None else MISS_SECONDS
            self.cache[url] = (time.monotonic() + keep, card)
            while len(self.cache) > CACHE_SIZE:
                self.cache.popitem(last=False)
        return card

    def image(self, url: str) -> str | None:
        """An image at `url` as a data: URI, fetched within the same fences; None when refused."""
        try:
            return self._image(url, time.monotonic() + self.timeout)
        except (Refused, httpx.HTTPError, OSError, ValueError):
            return None

    def _card(self, url: str, deadline: float) -> LinkCard:
        final, kind, body = self._get(url, deadline, HTML_TYPES, MAX_PAGE_BYTES)
        parser = _Meta()
        parser.feed(body.decode(_charset(kind), errors="replace"))
        meta = parser.meta
        title = (meta.get("og:title") or parser.title).strip()
        if not title:
            raise Refused(url)
        image = None
        if meta.get("og:image"):
            try:
                image = self._image(urljoin(final, meta["og:image"]), deadline)
            except (Refused, httpx.HTTPError, OSError, ValueError):
                image = None
        site = meta.get("og:site_name") or urlsplit(final).hostname or ""
        return LinkCard(final, title[:200], meta.get("og:description", "")[:300], image, site[:100])

    def _image(self, url: str, deadline: float) -> str:
        _final, kind, body = self._get(url, deadline, IMAGE_TYPES, MAX_IMAGE_BYTES)
        mime = kind.split(";")[0].strip().lower()
        return f"data:{mime};base64,{base64.b64encode(body).decode()}"

    def _get(self, url: str, deadline: float, types, limit: int) -> tuple[str, str, bytes]:
        for _hop in range(MAX_REDIRECTS + 1):
            request = self._pinned(url, deadline)
            response = self.client.send(request, stream=True)
            try:
                if response.is_redirect and response.headers.get("location"):
                    url = urljoin(url, response.headers["location"])
                    continue
                kind = response.headers.get("content-type", "").lower()
                if response.status_code != 200 or not kind.startswith(types):
                    raise Refused(url)
                return url, kind, _read(response, limit, deadline)
            finally:
                response.close()
        raise Refused(url)

    def _pinned(self, url: str, deadline: float) -> httpx.Request:
        """A request to the checked address of the URL's host, with the host's name kept for
        the Host header and TLS."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Refused(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = self.resolver(parts.hostname, port)
        if not addresses or not all(self.allowed(a) for a in addresses):
            raise Refused(url)
        address = addresses[0]
        netloc = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
        left = max(0.05, deadline - time.monotonic())
        return self.client.build_request(
            "GET",
            urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")),
            headers={"Host": parts.netloc.rsplit("@", 1)[-1], "Accept": "text/html,image/*"},
            timeout=httpx.Timeout(left),
            extensions={"sni_hostname": parts.hostname},
        )


def _read(response: httpx.Response, limit: int, deadline: float) -> bytes:
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > limit or time.monotonic() > deadline:
            break
    return bytes(body[:limit])


def _charset(content_type: str) -> str:
    for piece in content_type.split(";")[1:]:
        name, _eq, value = piece.strip().partition("=")
        if name == "charset" and value:
            try:
                "".encode(value.strip('"'))
                return value.strip('"')
            except LookupError:
                break
    return "utf-8"


_fetcher: CardFetcher | None = None


def fetcher() -> CardFetcher:
    """The process's fetcher (one cache for every request)."""
    global _fetcher
    if _fetcher is None:
        _fetcher = CardFetcher()
    return _fetcher


def use(replacement: CardFetcher | None) -> None:
    """Swap the process's fetcher (tests intercept HTTP and name resolution this way)."""
    global _fetcher
    _fetcher = replacement
