"""Link check of the built site: every internal href/src resolves; nothing loads off-site."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from site_support import SUBPATH

_EXTERNAL = ("http:", "https:", "mailto:", "data:", "javascript:", "tel:")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, url)
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "link" and ("rel", "canonical") in attrs:
            return  # names the page's published address (site_url); the browser loads nothing
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name"):
                self.ids.add(value)
            if name in ("href", "src") and tag in ("a", "link", "script", "img", "iframe"):
                self.links.append((tag, name, value))


def _parse(path: Path) -> _Collector:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def _target(root: Path, page: Path, url: str) -> tuple[Path, str]:
    base = SUBPATH + page.relative_to(root).as_posix()  # the site is published under SUBPATH
    parts = urlsplit(urljoin(base, url))
    path = unquote(parts.path)
    if not path.startswith(SUBPATH):
        return root / "outside-the-site" / path.lstrip("/"), ""
    path = path[len(SUBPATH) - 1 :]
    file = root / path.lstrip("/")
    if path.endswith("/") or file.is_dir():
        file = file / "index.html"
    return file, unquote(parts.fragment)


def test_every_internal_link_resolves(built_site: Path) -> None:
    pages = sorted(built_site.rglob("*.html"))
    parsed = {p: _parse(p) for p in pages}
    broken: list[str] = []
    checked = 0
    for page, collector in parsed.items():
        for tag, attr, url in collector.links:
            if url.startswith(_EXTERNAL) or url.startswith("//"):
                continue
            file, fragment = _target(built_site, page, url)
            checked += 1
            where = f"{page.relative_to(built_site)}: <{tag} {attr}={url!r}>"
            if not file.is_file():
                broken.append(f"{where} -> missing {file.relative_to(built_site)}")
                continue
            if not fragment or file.suffix != ".html":
                continue
            target = parsed.get(file) or _parse(file)
            placeholder = "lablib-placeholder" in file.read_text(encoding="utf-8")
            if fragment not in target.ids and not placeholder:
                broken.append(f"{where} -> no anchor #{fragment}")
    assert checked > 100
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_no_page_loads_scripts_or_styles_from_another_host(built_site: Path) -> None:
    offenders = [
        f"{page.relative_to(built_site)}: {url}"
        for page in built_site.rglob("*.html")
        for tag, _, url in _parse(page).links
        if tag in ("script", "link", "img", "iframe") and url.startswith(("http:", "https:", "//"))
    ]
    assert not offenders, offenders
