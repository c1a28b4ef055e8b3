"""The built site as a learner reads it (issue #24), in headless Chromium at 1280 and 390 px.

Lab pages end with a link to the quiz (not the quiz pasted in), exercise solutions are folded,
typed-answer boxes are visible, the theme's text contrast is WCAG AA, the fidelity table, the
study pages and the diagrams fit a phone, and no page overflows sideways at 390 px. Screenshots
of every page at 390 px go to test-artifacts/site/phone-<page>.png.
"""

# ruff: noqa: F811  (the browser fixtures come from test_site_browser)
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect
from site_support import REPO
from test_site_browser import ARTIFACTS, Tab, browser, desktop, phone  # noqa: F401, F811

from lablib.site.catalog import LAB_IDS

# WCAG relative luminance and contrast of two computed CSS colours (alpha blended on `under`)
CONTRAST_JS = """
([fg, bg, under]) => {
  const parse = (c) => { const m = c.match(/[\\d.]+/g).map(Number);
    return m.length === 3 ? [...m, 1] : m; };
  const blend = (top, base) => top.slice(0, 3).map((v, i) => v * top[3] + base[i] * (1 - top[3]));
  const lum = (rgb) => { const l = rgb.map((v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2]; };
  const base = parse(under).slice(0, 3);
  const b = blend(parse(bg), base), f = blend(parse(fg), b);
  const [hi, lo] = [lum(f), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
"""
STYLE_JS = "([sel, prop]) => getComputedStyle(document.querySelector(sel))[prop]"


def _contrast(page: Page, fg: str, bg: str, under: str = "rgb(255, 255, 255)") -> float:
    ratio: float = page.evaluate(CONTRAST_JS, [fg, bg, under])
    return ratio


def _style(page: Page, selector: str, prop: str) -> str:
    value: str = page.evaluate(STYLE_JS, [selector, prop])
    return value


def _notebook(lab_id: str) -> dict[str, Any]:
    path = next((REPO / "labs").glob(f"??-{lab_id}.ipynb"))
    nb: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return nb


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def test_lab_pages_end_with_a_link_to_the_quiz_not_the_quiz(desktop: Tab) -> None:
    for lab_id in LAB_IDS:
        cells = _notebook(lab_id)["cells"]
        quiz_cells = [c for c in cells if "quiz_widget(" in _source(c) and c["cell_type"] == "code"]
        page = desktop.open(f"labs/{lab_id}/notebook/")
        article = page.locator("article.md-content__inner")
        text = article.inner_text()
        assert "quiz_widget(" not in text and "**Answer:**" not in text, lab_id
        links = article.locator("a[href]")
        last = links.nth(links.count() - 1)
        href = last.get_attribute("href") or ""
        assert re.search(rf"quizzes/{lab_id}/?$", href), (lab_id, href)
        expect(last).to_be_visible()
        quiz_links = article.locator(f'a[href*="quizzes/{lab_id}"]')
        assert quiz_links.count() >= len(quiz_cells) + 1, lab_id
    last.click()
    expect(page.locator(".lq-card").first).to_be_visible(timeout=15_000)
    desktop.shot("lab-ends-with-quiz-link", full_page=False)


def test_exercise_solutions_are_folded_and_labelled(desktop: Tab) -> None:
    for lab_id in LAB_IDS:
        cells = _notebook(lab_id)["cells"]
        exercises = sum("# BEGIN SOLUTION" in _source(c) for c in cells if c["cell_type"] == "code")
        page = desktop.open(f"labs/{lab_id}/notebook/")
        folds = page.locator("details.success:has(> summary:text-is('Solution'))")
        expect(folds).to_have_count(exercises)
        for i in range(exercises):
            fold = folds.nth(i)
            assert fold.get_attribute("open") is None
            expect(fold.locator("pre").first).to_be_hidden()
        assert "BEGIN SOLUTION" not in page.locator("article").inner_text()
        hints = page.locator("details.tip > summary:text-matches('^Hint')")  # or Hint 1 (a nudge)
        assert hints.count() >= 1, lab_id
    folds.first.locator("summary").click()
    expect(folds.first.locator("pre").first).to_be_visible()
    folds.first.scroll_into_view_if_needed()
    desktop.shot("exercise-solution-folded", full_page=False)


def test_typed_answer_box_is_visible_before_a_click(desktop: Tab, built_site: Path) -> None:
    bank = json.loads((built_site / "quizzes" / "bank.json").read_text("utf-8"))
    q = next(q for q in bank["questions"] if q["type"] in ("text", "numeric"))
    page = desktop.open(f"quizzes/{q['lab']}/")
    sel = f'[data-qid="{q["id"]}"] .lq-input'
    expect(page.locator(sel)).to_be_visible()
    assert float(_style(page, sel, "borderTopWidth").removesuffix("px")) >= 1
    assert _style(page, sel, "borderTopStyle") == "solid"
    bg = _style(page, "body", "backgroundColor")
    border = _contrast(page, _style(page, sel, "borderTopColor"), bg)
    assert border >= 3, f"answer box border contrast {border:.2f}:1 (WCAG non-text: 3:1)"
    page.locator(sel).scroll_into_view_if_needed()
    desktop.shot("typed-answer-box", full_page=False)


def test_theme_contrast_is_wcag_aa_in_both_schemes(desktop: Tab) -> None:
    page = desktop.open("exam/")  # the header, a primary button; a link and a button added
    page.locator(".lx-start").wait_for()
    page.evaluate(
        """() => { const a = document.createElement('a'); a.className = 'md-button';
        a.href = '#'; a.textContent = 'plain button';
        const p = document.createElement('p'), l = document.createElement('a');
        l.href = '#'; l.textContent = 'a link'; p.appendChild(l);
        document.querySelector('article').append(a, p); }"""
    )
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
        bg = _style(page, "body", "backgroundColor")
        header = _style(page, ".md-header", "backgroundColor")
        ratios = {
            "header": _contrast(page, _style(page, ".md-header", "color"), header),
            "link": _contrast(
                page, _style(page, "article a[href]:not(.md-button):not(.headerlink)", "color"), bg
            ),
            "button": _contrast(page, _style(page, "article a.md-button", "color"), bg),
            "primary button": _contrast(
                page,
                _style(page, ".lx-start", "color"),
                _style(page, ".lx-start", "backgroundColor"),
            ),
        }
        low = {k: round(v, 2) for k, v in ratios.items() if v < 4.5}
        assert not low, f"{scheme}: contrast below 4.5:1: {low}"
        desktop.shot(f"contrast-{scheme}", full_page=False)


def _overflow(page: Page) -> int:
    width: int = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    return width


def test_fidelity_table_fits_the_content_column(desktop: Tab, phone: Tab) -> None:
    for tab in (desktop, phone):
        page = tab.open("fidelity/")
        table = page.locator(".lablib-fidelity table")
        expect(table).to_be_visible()
        article = page.locator("article").bounding_box()
        box = table.bounding_box()
        assert article is not None and box is not None
        assert box["x"] + box["width"] <= article["x"] + article["width"] + 1
        assert page.evaluate(
            "() => [...document.querySelectorAll('.lablib-fidelity .md-typeset__scrollwrap, "
            ".lablib-fidelity .md-typeset__table')].every(e => e.scrollWidth <= e.clientWidth + 1)"
        )
        assert _overflow(page) <= 0
        row = page.locator(".lablib-fidelity tbody tr").first
        expect(row.locator("td").nth(4)).to_be_in_viewport()
    desktop.shot("fidelity-desktop", full_page=False)
    phone.shot("fidelity-phone", full_page=False)


def test_study_pages_are_styled_and_fit_a_phone(phone: Tab) -> None:
    page = phone.open("study/practice/")
    form = page.locator(".lp-form")
    expect(form).to_be_visible()
    assert _style(page, ".lp-form", "display") == "grid"
    assert float(_style(page, ".lp-form select", "borderTopWidth").removesuffix("px")) >= 1
    fields = page.locator(".lp-field")
    boxes = [fields.nth(i).bounding_box() for i in range(fields.count())]
    tops = [b["y"] for b in boxes if b is not None]
    assert len(set(tops)) == len(tops), "practice fields run together on one line"
    assert _overflow(page) <= 0
    phone.shot("practice-phone")
    for path in ("study/due/", "study/progress/"):
        page = phone.open(path)
        page.locator(".ld-count, .lpg-count").first.wait_for()
        assert _overflow(page) <= 0, path
        phone.shot(f"{path.strip('/').replace('/', '-')}-phone")


def test_exam_domain_table_is_styled(phone: Tab) -> None:
    page = phone.open("exam/?seed=5&exam=DVA-C02")
    page.locator(".lx-start").click()
    page.locator(".lx-review").click()
    page.locator(".lx-submit").click()
    page.locator(".lx-confirm-submit").click()
    expect(page.locator(".lx-scaled")).to_be_in_viewport()  # the report opens on the score
    th = ".lx-domains th"
    expect(page.locator(th).first).to_be_visible()
    assert _style(page, th, "backgroundColor") not in ("rgba(0, 0, 0, 0)", "transparent")
    assert float(_style(page, ".lx-domains td", "paddingLeft").removesuffix("px")) >= 4
    assert float(_style(page, ".lx-domains td", "borderBottomWidth").removesuffix("px")) >= 1
    assert _overflow(page) <= 0
    # an exam submitted with nothing answered schedules nothing in the study history
    progress = page.evaluate("() => JSON.parse(localStorage.getItem('lablib.progress.v1'))")
    assert progress is None or not progress["questions"]
    page.locator(".lx-domains").scroll_into_view_if_needed()
    phone.shot("exam-domains-phone", full_page=False)


def test_diagrams_are_full_width_and_scroll_on_a_phone(phone: Tab) -> None:
    page = phone.open("")
    expect(page.locator("pre.mermaid")).to_have_count(0, timeout=15_000)
    diagrams = page.locator(".lablib-diagram")
    assert diagrams.count() >= 1
    for i in range(diagrams.count()):
        host = diagrams.nth(i).locator("> .mermaid")
        box = host.bounding_box()
        assert box is not None and box["width"] >= 600, box  # labels keep their size
    assert _overflow(page) <= 0  # the box scrolls, not the page
    diagrams.first.scroll_into_view_if_needed()
    phone.shot("diagram-phone", full_page=False)


def test_no_page_overflows_sideways_at_390_or_1280_px(
    phone: Tab, desktop: Tab, built_site: Path
) -> None:
    pages = sorted(
        str(p.relative_to(built_site).parent)
        for p in built_site.rglob("index.html")
        if p.parent.name not in ("assets", "search")
    )
    assert len(pages) >= 20
    wide: dict[str, int] = {}
    for label, tab in (("phone", phone), ("desktop", desktop)):
        for rel in pages:
            path = "" if rel == "." else rel + "/"
            page = tab.open(path)
            page.wait_for_load_state("load")
            if page.locator("pre.mermaid, .lablib-diagram").count():
                expect(page.locator("pre.mermaid")).to_have_count(0, timeout=15_000)
            extra = _overflow(page)
            if extra > 0:
                wide[f"{label} {path or '/'}"] = extra
            name = "home" if rel == "." else rel.replace("/", "-")
            page.screenshot(path=str(ARTIFACTS / f"{label}-{name}.png"))
    assert not wide, f"pages wider than the viewport (extra px): {wide}"
