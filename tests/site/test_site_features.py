"""The study site's learner features and smaller fixes of issue #24, in headless Chromium.

The 404 page under a sub-path, mermaid loaded only where a diagram is, notebook code that
wraps, the theme's text contrast on every page type, navigation tabs, glossary tooltips, the
notebook download, the distraction-free exam with per-domain percentages, attempt history and
review filters, and the cheat sheet's print stylesheet. Screenshots go to test-artifacts/site/.
"""

# ruff: noqa: F811  (the browser fixtures come from test_site_browser)
from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, Request, expect
from test_site_browser import ARTIFACTS, Tab, browser, desktop, phone  # noqa: F401, F811

from lablib.site.catalog import LAB_IDS

PRIMARY = "rgb(191, 54, 12)"  # --md-primary-fg-color in lablib.css

# Every visible text element: its colour against the background it is drawn on (ancestors'
# backgrounds blended), WCAG contrast; large text (24 px, or 18.66 px bold) needs 3:1.
LOW_CONTRAST_JS = """
(root) => {
  const parse = (c) => { const m = (c.match(/[\\d.]+/g) || [0, 0, 0, 0]).map(Number);
    return m.length === 3 ? [...m, 1] : m; };
  const blend = (top, base) => top.slice(0, 3).map((v, i) => v * top[3] + base[i] * (1 - top[3]));
  const lum = (rgb) => { const l = rgb.map((v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2]; };
  const seen = new Map();  // element -> the opaque colour its content is drawn on
  const background = (node) => {
    if (!node || node.nodeType !== 1) return [255, 255, 255];
    if (seen.has(node)) return seen.get(node);
    const c = parse(getComputedStyle(node).backgroundColor);
    const under = c[3] >= 1 ? null : background(node.parentElement);
    const bg = c[3] >= 1 ? c.slice(0, 3) : c[3] > 0 ? blend(c, under) : under;
    seen.set(node, bg);
    return bg;
  };
  const low = [];
  let checked = 0;
  for (const node of document.querySelectorAll(root + " *")) {
    const own = [...node.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim());
    if (!own || !node.getClientRects().length) continue;
    const s = getComputedStyle(node);
    if (s.visibility !== "visible" || Number(s.opacity) === 0) continue;
    // inactive controls are exempt (WCAG 1.4.3), as are hidden search and tooltip layers
    if (node.closest("[hidden], :disabled, .md-search, .md-tooltip2")) continue;
    const rect = node.getBoundingClientRect();
    if (rect.width < 1 || rect.height < 1) continue;
    const bg = background(node);
    const fg = blend(parse(s.color), bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    checked += 1;
    if (ratio < need - 0.005) {
      const text = node.textContent.trim().slice(0, 30);
      low.push(`${node.tagName.toLowerCase()}.${node.className} "${text}" ${ratio.toFixed(2)}`);
    }
  }
  return { checked, low: [...new Set(low)].slice(0, 12) };
}
"""

PAGE_TYPES = {
    "home": "",
    "notes": "labs/event-sources/notes/",
    "notebook": "labs/api-gateway/notebook/",
    "quiz": "quizzes/step-functions/",
    "exam": "exam/",
    "practice": "study/practice/",
    "due": "study/due/",
    "progress": "study/progress/",
    "cheat sheet": "cheatsheet/",
    "glossary": "glossary/",
    "differences": "differences/",
    "fidelity": "fidelity/",
    "404": "no/such/page/",
}


def _forget_404(tab: Tab) -> None:
    """The 404 page's own status is logged as a console error by Chromium; nothing else is."""
    tab.errors[:] = [e for e in tab.errors if "status of 404" not in e]


def _overflow(page: Page) -> int:
    width: int = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    return width


def test_404_page_works_under_a_sub_path(desktop: Tab) -> None:
    failed: list[str] = []
    desktop.page.on("requestfailed", lambda r: failed.append(r.url))
    bad: list[str] = []
    desktop.page.on("response", lambda r: bad.append(r.url) if r.status >= 400 else None)
    response = desktop.page.goto(desktop.site_url + "labs/no-such-lab/deeper/page/")
    assert response is not None and response.status == 404
    page = desktop.page
    expect(page.locator("h1")).to_have_text("404 - Not found")
    # the theme's stylesheets and scripts loaded from the site's sub-path
    header = page.evaluate(
        "() => getComputedStyle(document.querySelector('.md-header')).backgroundColor"
    )
    assert header == PRIMARY
    assert bad == [response.url] and not failed, (bad, failed)
    desktop.shot("404-under-sub-path", full_page=False)
    page.locator(".md-header__button.md-logo").click()
    page.wait_for_url(desktop.site_url)
    expect(page.locator("h1").first).to_contain_text("Serverless lab")
    _forget_404(desktop)


def test_mermaid_loads_only_on_pages_with_a_diagram(desktop: Tab) -> None:
    scripts: list[str] = []

    def record(request: Request) -> None:
        if request.resource_type == "script":
            scripts.append(request.url)

    desktop.page.on("request", record)
    for path in ("glossary/", "exam/", "labs/api-gateway/notebook/", "quizzes/api-gateway/"):
        page = desktop.open(path)
        page.wait_for_load_state("load")
    assert scripts and not [s for s in scripts if "mermaid" in s], scripts
    page = desktop.open("labs/event-sources/notes/")
    expect(page.locator(".lablib-diagram").first).to_be_visible()
    expect(page.locator("pre.mermaid")).to_have_count(0, timeout=15_000)  # all drawn
    assert [s for s in scripts if s.endswith("vendor/mermaid.min.js")]


def test_notebook_code_wraps_instead_of_running_off_the_edge(desktop: Tab, phone: Tab) -> None:
    cut = (
        "() => [...document.querySelectorAll('article pre > code')]"
        ".filter(c => c.scrollWidth > c.clientWidth + 1).length"
    )
    for tab, labs in ((desktop, LAB_IDS), (phone, LAB_IDS[:2])):
        for lab_id in labs:
            page = tab.page
            page.goto(tab.site_url + f"labs/{lab_id}/notebook/", wait_until="domcontentloaded")
            blocks = page.locator("article pre > code").count()
            assert blocks >= 5, lab_id
            hidden: int = page.evaluate(cut)
            assert hidden == 0, f"{lab_id}: {hidden} of {blocks} code blocks cut off"
    phone.page.locator("article pre").nth(3).scroll_into_view_if_needed()
    phone.shot("notebook-code-wraps-phone", full_page=False)


def test_text_contrast_is_aa_on_every_page_type_in_both_schemes(desktop: Tab) -> None:
    low: dict[str, list[str]] = {}
    for scheme in ("light", "dark"):
        desktop.page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
        for name, path in PAGE_TYPES.items():
            page = desktop.open(path)
            page.wait_for_load_state("load")
            if name in ("quiz", "exam", "practice", "due", "progress"):
                ready = ".lq-card, .lx-start, .lp-form, .ld-count, .lpg-count"
                page.locator(ready).first.wait_for()
            found = page.evaluate(LOW_CONTRAST_JS, "body")
            assert found["checked"] >= 5, (scheme, name)
            if found["low"]:
                low[f"{scheme} {name}"] = found["low"]
    _forget_404(desktop)
    assert not low, f"text below WCAG AA contrast: {json.dumps(low, indent=1, ensure_ascii=False)}"


def test_navigation_tabs_on_a_laptop(desktop: Tab, phone: Tab) -> None:
    page = desktop.open("glossary/")
    tabs = page.locator(".md-tabs .md-tabs__link")
    expect(tabs).to_have_text(["Home", "Labs", "Exam and study", "Reference"])
    expect(page.locator(".md-tabs__item--active")).to_have_text("Reference")
    tabs.nth(1).click()
    page.wait_for_url("**/labs/lambda-invocation/notes/")
    expect(page.locator(".md-tabs__item--active")).to_have_text("Labs")
    desktop.shot("navigation-tabs", full_page=False)
    page = phone.open("glossary/")
    expect(page.locator(".md-tabs")).to_be_hidden()  # phones use the drawer
    assert _overflow(page) <= 0


def test_glossary_terms_show_a_tooltip(desktop: Tab) -> None:
    page = desktop.open("labs/event-sources/notes/")
    abbr = page.locator("article p abbr[title]").first
    expect(abbr).to_be_visible()
    title = abbr.get_attribute("title") or ""
    assert (
        abbr.inner_text() in ("SQS", "SNS", "DLQ", "ESM", "IAM", "ARN", "FIFO") and len(title) > 20
    )
    assert page.locator("article pre abbr, article code abbr").count() == 0  # not inside code
    abbr.scroll_into_view_if_needed()
    abbr.hover()
    tip = page.locator(".md-tooltip2--active")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text(title[:20])
    desktop.shot("glossary-tooltip", full_page=False)


def test_lab_page_downloads_the_learner_notebook(desktop: Tab, tmp_path: Path) -> None:
    page = desktop.open("labs/step-functions/notebook/")
    links = page.locator(".lablib-nb-links a")
    expect(links).to_have_text(["Download the notebook", "Open in JupyterLab"])
    with page.expect_download() as info:
        links.first.click()
    download = info.value
    assert download.suggested_filename == "05-step-functions.ipynb"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    nb = json.loads(target.read_text("utf-8"))
    assert nb["nbformat"] == 4 and "BEGIN SOLUTION" not in target.read_text("utf-8")
    href = links.nth(1).get_attribute("href")
    assert href == "http://localhost:8888/lab/tree/05-step-functions.ipynb"
    desktop.shot("notebook-download-links", full_page=False)


def _answer_first_option(page: Page) -> None:
    page.locator(".lx-card input").first.check()


def test_exam_focus_mode_domain_percentages_history_and_review_filters(phone: Tab) -> None:
    page = phone.open("exam/?seed=11&exam=DVA-C02")
    page.locator(".lx-start").click()
    focus = page.locator(".lx-focus-toggle")
    expect(focus).to_have_text("Focus mode")
    focus.click()
    expect(page.locator(".md-header")).to_be_hidden()
    expect(page.locator(".md-footer")).to_be_hidden()
    expect(page.locator(".lx-card")).to_be_in_viewport()
    expect(page.locator(".lx-timer")).to_be_visible()
    assert _overflow(page) <= 0
    phone.shot("exam-focus-mode-phone", full_page=False)
    _answer_first_option(page)
    page.locator(".lx-flag").click()
    page.locator(".lx-next").click()
    _answer_first_option(page)
    page.reload()  # focus mode and the answers survive a reload
    expect(page.locator(".lx-focus-toggle")).to_have_text("Exit focus mode")
    expect(page.locator(".md-header")).to_be_hidden()
    page.locator(".lx-review").click()
    page.locator(".lx-submit").click()
    page.locator(".lx-confirm-submit").click()
    expect(page.locator(".lx-scaled")).to_be_visible()
    expect(page.locator(".md-header")).to_be_visible()  # the report leaves focus mode
    # per-domain percentages, computed here from the table's own counts
    rows = page.locator(".lx-domains tbody tr")
    assert rows.count() == 4
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td").all_inner_texts()
        correct, scored = (int(x) for x in cells[2].split(" / "))
        assert cells[3] == (f"{round(100 * correct / scored)} %" if scored else "-")
    # the attempt history lists this attempt with its per-domain percentages
    history = page.locator(".lx-history tbody tr")
    expect(history).to_have_count(1)
    assert "DVA-C02" in history.first.inner_text() and "%" in history.first.inner_text()
    # review filters
    items = page.locator(".lx-review-item")
    total = items.count()
    count = page.locator(".lx-filter-count")
    expect(count).to_have_text(f"Showing {total} of {total}")
    page.locator(".lx-filter-flagged").check()
    expect(page.locator(".lx-review-item:visible")).to_have_count(1)
    expect(count).to_have_text(f"Showing 1 of {total}")
    page.locator(".lx-filter-flagged").uncheck()
    page.locator(".lx-filter-wrong").check()
    missed = page.locator(".lx-review-item.lx-missed").count()
    expect(page.locator(".lx-review-item:visible")).to_have_count(missed)
    assert missed >= total - 2
    page.locator(".lx-filter-wrong").uncheck()
    page.locator(".lx-filter-domain").select_option("dva.security")
    visible = page.locator(".lx-review-item:visible")
    assert visible.count() >= 1
    for i in range(visible.count()):
        assert visible.nth(i).get_attribute("data-domain") == "dva.security"
    assert _overflow(page) <= 0
    page.locator(".lx-filters").scroll_into_view_if_needed()
    phone.shot("exam-review-filters-phone", full_page=False)
    # a second attempt: the start page shows both in the history, newest first
    page.locator(".lx-again").click()
    page.locator(".lx-start").click()
    page.locator(".lx-review").click()
    page.locator(".lx-submit").click()
    page.locator(".lx-confirm-submit").click()
    expect(page.locator(".lx-history tbody tr")).to_have_count(2)
    page.goto(phone.site_url + "exam/")
    expect(page.locator(".lx-history tbody tr")).to_have_count(2)
    page.goto(phone.site_url + "study/progress/")  # the progress page lists them too
    expect(page.locator(".lx-history tbody tr")).to_have_count(2)
    assert _overflow(page) <= 0


def test_cheat_sheet_prints_content_only(desktop: Tab) -> None:
    page = desktop.open("cheatsheet/")
    page.emulate_media(media="print")
    for hidden in (".md-header", ".md-sidebar--primary", ".md-footer"):
        expect(page.locator(hidden).first).to_be_hidden()
    article = page.locator("article").bounding_box()
    assert article is not None and article["width"] >= 0.85 * 1280
    colour = page.evaluate("() => getComputedStyle(document.querySelector('article p')).color")
    assert colour == "rgb(0, 0, 0)"
    pdf = page.pdf(format="A4", print_background=False)
    (ARTIFACTS / "cheatsheet-print.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    page.emulate_media(media="screen")
    expect(page.locator(".md-header")).to_be_visible()
