"""The built site in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

A lab quiz answered right and wrong, then a timed exam started, answered, reloaded (it resumes
with the time left), submitted and scored; the score is recomputed here from the bank. Every
request must stay on the loopback server (the site works offline). Screenshots of the key pages
go to test-artifacts/site/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright
from site_support import REPO

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = REPO / "test-artifacts" / "site"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "Debian's chromium is needed: apt-get install chromium (.ci/run)"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser
        browser.close()


class Tab:
    """A fresh browser context: its own localStorage; records errors and off-site requests."""

    def __init__(self, browser: Browser, site_url: str, viewport: dict[str, int]) -> None:
        self.context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
        self.page = self.context.new_page()
        self.site_url = site_url
        self.errors: list[str] = []
        self.offsite: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on(
            "console",
            lambda msg: self.errors.append(msg.text) if msg.type == "error" else None,
        )
        self.context.route("**/*", self._route)

    def _route(self, route: Route) -> None:
        if route.request.url.startswith(self.site_url):
            route.continue_()
        else:
            self.offsite.append(route.request.url)
            route.abort()

    def open(self, path: str) -> Page:
        self.page.goto(self.site_url + path)
        return self.page

    def shot(self, name: str, full_page: bool = True) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)

    def close(self) -> None:
        self.context.close()
        assert not self.errors, self.errors
        assert not self.offsite, f"requests left the local server: {self.offsite}"


@pytest.fixture
def desktop(browser: Browser, site_url: str) -> Iterator[Tab]:
    tab = Tab(browser, site_url, DESKTOP)
    yield tab
    tab.close()


@pytest.fixture
def phone(browser: Browser, site_url: str) -> Iterator[Tab]:
    tab = Tab(browser, site_url, PHONE)
    yield tab
    tab.close()


def _bank(built_site: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((built_site / "quizzes" / "bank.json").read_text("utf-8"))
    return data


def test_home_page_renders_mermaid_offline(phone: Tab) -> None:
    page = phone.open("")
    expect(page.locator("h1")).to_have_text(re.compile("Serverless lab"))
    # material swaps <pre class="mermaid"> for a rendered diagram once mermaid has run
    expect(page.locator("pre.mermaid")).to_have_count(0, timeout=15_000)
    diagram = page.locator("div.mermaid").first
    box = diagram.bounding_box()
    assert box is not None and box["height"] > 40
    phone.shot("home-phone")


def test_lab_quiz_right_and_wrong_answers_get_feedback(desktop: Tab, built_site: Path) -> None:
    bank = _bank(built_site)
    by_lab: dict[str, list[dict[str, Any]]] = {}
    for q in bank["questions"]:
        by_lab.setdefault(q["lab"], []).append(q)
    lab = next(lab for lab, qs in by_lab.items() if sum(q["type"] == "single" for q in qs) >= 2)
    right_q, wrong_q = [q for q in by_lab[lab] if q["type"] == "single"][:2]
    page = desktop.open(f"quizzes/{lab}/")
    expect(page.locator(".lq-card")).to_have_count(len(by_lab[lab]))

    card = page.locator(f'[data-qid="{right_q["id"]}"]')
    card.locator(f'input[value="{right_q["answer"]}"]').check()
    card.locator(".lq-check").click()
    expect(card.locator(".lq-verdict")).to_have_text("Correct.")
    expect(card.locator(".lq-explanation")).to_have_count(len(right_q["options"]))
    expect(card.locator(f'.lq-option[data-key="{right_q["answer"]}"]')).to_have_class(
        re.compile("lq-is-right")
    )

    card = page.locator(f'[data-qid="{wrong_q["id"]}"]')
    wrong_key = next(o["key"] for o in wrong_q["options"] if o["key"] != wrong_q["answer"])
    card.locator(f'input[value="{wrong_key}"]').check()
    card.locator(".lq-check").click()
    expect(card.locator(".lq-verdict")).to_have_text("Not quite.")
    expect(card.locator(f'.lq-option[data-key="{wrong_key}"]')).to_have_class(
        re.compile("lq-is-wrong")
    )
    expect(card.locator(f'.lq-option[data-key="{wrong_q["answer"]}"]')).to_have_class(
        re.compile("lq-is-right")
    )
    wrong_text = wrong_q["explanations"][wrong_key]
    assert wrong_text.split("<")[0][:20] in card.inner_html()

    score = page.locator(".lq-score")
    expect(score).to_have_text(f"Answered 2 of {len(by_lab[lab])} · correct 1")
    card.scroll_into_view_if_needed()
    desktop.shot("quiz-desktop", full_page=False)
    page.reload()  # progress is kept in localStorage
    expect(page.locator(".lq-score")).to_have_text(f"Answered 2 of {len(by_lab[lab])} · correct 1")


def _answer_current(page: Page, q: dict[str, Any], right: bool) -> None:
    card = page.locator(".lx-card")
    keys = [o["key"] for o in q["options"]]
    if q["type"] == "single":
        key = q["answer"] if right else next(k for k in keys if k != q["answer"])
        card.locator(f'input[value="{key}"]').check()
    else:
        # wrong: one right option short (all-or-nothing), or only wrong options
        others = [k for k in keys if k not in q["answer"]]
        chosen = q["answer"] if right else q["answer"][:-1] or others
        for key in chosen:
            card.locator(f'input[value="{key}"]').check()


def _expected_scaled(attempt: dict[str, Any], bank: dict[str, Any]) -> int:
    by_id = {q["id"]: q for q in bank["questions"]}
    scored = [item for item in attempt["items"] if item["scored"]]
    correct = 0
    for item in scored:
        q, given = by_id[item["id"]], attempt["answers"].get(item["id"])
        if q["type"] == "single":
            correct += given == q["answer"]
        else:
            correct += isinstance(given, list) and sorted(given) == sorted(q["answer"])
    return round(100 + 900 * correct / len(scored))


def test_exam_start_answer_reload_resume_submit(phone: Tab, built_site: Path) -> None:
    bank = _bank(built_site)
    by_id = {q["id"]: q for q in bank["questions"]}
    pool = [
        q
        for q in bank["questions"]
        if q["type"] in ("single", "multiple") and any(d.startswith("dva.") for d in q["domains"])
    ]
    assert pool, "the bank has no DVA-C02 questions to draw an exam from"
    size = min(65, len(pool))
    page = phone.open("exam/?seed=4242&exam=DVA-C02")
    expect(page.locator(".lx-seed")).to_have_text("Attempt seed: 4242")
    page.locator(".lx-start").click()
    expect(page.locator(".lx-counter")).to_have_text(f"Question 1 of {size}")
    expect(page.locator(".lx-timer")).to_have_text(re.compile(r"^(2:10:00|2:09:5\d) left$"))

    answered: list[str] = []
    for i in range(min(3, size)):
        qid = page.locator(".lx-card").get_attribute("data-qid")
        assert qid is not None
        _answer_current(page, by_id[qid], right=i != 1)
        answered.append(qid)
        if i == 1:
            page.locator(".lx-flag").click()
            expect(page.locator(".lx-flag")).to_have_attribute("aria-pressed", "true")
        if i < size - 1:
            page.locator(".lx-next").click()
    phone.shot("exam-running-phone")

    page.wait_for_timeout(1500)
    page.reload()  # resume: same question, answers kept, the clock has kept counting
    expect(page.locator(".lx-counter")).to_have_text(re.compile(r"^Question \d+ of " + str(size)))
    timer = page.locator(".lx-timer").inner_text()
    assert re.match(r"^2:09:[0-5]\d left$", timer), timer
    page.locator(".lx-sheet-toggle").click()
    expect(page.locator(".lx-cell.lx-answered")).to_have_count(len(answered))
    expect(page.locator(".lx-cell.lx-flagged")).to_have_count(1 if size > 1 else 0)
    page.locator(".lx-cell").first.click()  # jump back to question 1 from the answer sheet
    expect(page.locator(".lx-counter")).to_have_text(f"Question 1 of {size}")
    assert page.locator(".lx-card").get_attribute("data-qid") == answered[0]
    expect(page.locator(".lx-card input:checked").first).to_be_visible()

    page.locator(".lx-review").click()
    page.locator(".lx-submit").click()
    expect(page.locator(".lx-confirm")).to_contain_text(f"{size - len(answered)} unanswered")
    page.locator(".lx-confirm-submit").click()
    scaled = int(page.locator(".lx-scaled").inner_text())
    last = page.evaluate("() => JSON.parse(localStorage.getItem('lablib.exam.last.v1'))")
    attempt = last["attempt"]
    assert [item["id"] for item in attempt["items"][:3]] == answered
    assert sum(not item["scored"] for item in attempt["items"]) == round(size * 15 / 65)
    assert scaled == _expected_scaled(attempt, bank)
    expect(page.locator(".lx-verdict")).to_contain_text("Pass" if scaled >= 720 else "Fail")
    expect(page.locator(".lx-domains tbody tr")).to_have_count(4)
    expect(page.locator(".lx-review-item")).to_have_count(size)
    phone.shot("exam-result-phone")
    # only the answered items enter the study history: unanswered ones are not due as wrong
    progress = page.evaluate("() => JSON.parse(localStorage.getItem('lablib.progress.v1'))")
    assert sorted(progress["questions"]) == sorted(answered)
    assert sum(entry.get("srs") is not None for entry in progress["questions"].values()) <= 3

    page.locator(".lx-repro").click()  # the same seed draws the same attempt
    page.locator(".lx-start").click()
    assert page.locator(".lx-card").get_attribute("data-qid") == answered[0]


def test_exam_time_left_survives_reload_and_running_out_submits(desktop: Tab) -> None:
    page = desktop.open("exam/?seed=7&exam=SAA-C03")
    page.locator(".lx-start").click()
    expect(page.locator(".lx-counter")).to_have_text(re.compile("^Question 1 of"))
    # leave the exam (the page saves its clock), then edit the saved attempt as if 129 min
    # 57 s had been used when the tab was closed
    desktop.open("")
    page.evaluate(
        """() => { const k = 'lablib.exam.attempt.v1';
        const a = JSON.parse(localStorage.getItem(k)); a.elapsedMs = a.limitMs - 3000;
        localStorage.setItem(k, JSON.stringify(a)); }"""
    )
    desktop.open("exam/")
    expect(page.locator(".lx-timer")).to_have_text(re.compile(r"^0:0[0-3] left$"))
    expect(page.locator(".lx-scaled")).to_be_visible(timeout=10_000)
    expect(page.locator(".lx-result")).to_contain_text("time ran out")
    desktop.shot("exam-result-desktop")


def test_scoring_rules_hand_computed(desktop: Tab) -> None:
    page = desktop.open("exam/")
    page.wait_for_function("() => window.LablibExam !== undefined")
    # largest remainder: 65 x 32/26/24/18 % = 20.8, 16.9, 15.6, 11.7 -> 20+16+15+11 = 62,
    # the 3 left go to .9, .8, .7; for SAA 19.5, 16.9, 15.6, 13.0 -> 63, then .9 and .6
    assert page.evaluate(
        "() => LablibExam.quotas([{weight:32},{weight:26},{weight:24},{weight:18}], 65)"
    ) == [21, 17, 15, 12]
    assert page.evaluate(
        "() => LablibExam.quotas([{weight:30},{weight:26},{weight:24},{weight:20}], 65)"
    ) == [19, 17, 16, 13]
    # 50 scored items, 35 right (70 %) -> 100 + 900 * 0.7 = 730: pass. 34 right -> 712: fail.
    # One unscored item answered wrong changes nothing; multiple response is all-or-nothing.
    result = page.evaluate(
        """() => {
        const meta = {scaledMin: 100, scaledMax: 1000, passScore: 720};
        const exam = {domains: [{key: 'dva.development', name: 'Dev', weight: 60},
                                {key: 'dva.security', name: 'Sec', weight: 40}]};
        const byId = {}, items = [], answers = {};
        for (let i = 0; i < 50; i++) {
          const id = 'q' + i, multi = i % 2 === 0;
          byId[id] = multi ? {type: 'multiple', answer: ['a', 'c']} : {type: 'single', answer: 'b'};
          items.push({id, scored: true, domain: i < 30 ? 'dva.development' : 'dva.security'});
          const right = i < 35;
          answers[id] = multi ? (right ? ['c', 'a'] : ['a']) : (right ? 'b' : 'a');
        }
        byId.u = {type: 'single', answer: 'a'};
        items.push({id: 'u', scored: false, domain: 'dva.security'});
        answers.u = 'b';
        const r = LablibExam.score({exam: 'DVA-C02', seed: 1, items, answers, elapsedMs: 0},
                                   byId, meta, exam);
        answers.q34 = 'a';
        const r2 = LablibExam.score({exam: 'DVA-C02', seed: 1, items, answers, elapsedMs: 0},
                                    byId, meta, exam);
        return [r.scaled, r.pass, r.domains.map(d => [d.correct, d.scored, d.band]),
                r2.scaled, r2.pass];
        }"""
    )
    assert result == [
        730,
        True,
        [[30, 30, "meets"], [5, 20, "needs work"]],
        712,
        False,
    ]
