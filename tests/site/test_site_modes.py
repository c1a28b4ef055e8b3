"""Issue 12 in headless Chromium: the browser exam agrees with the terminal's scoring, a whole
timed exam survives a browser restart, practice modes, "due today", progress charts, and
corrupt or outdated local storage."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect
from test_site_browser import Tab, _answer_current, _bank, browser, desktop  # noqa: F401

from lablib.quiz.bank import load_bank
from lablib.quiz.exam import Item
from lablib.quiz.schema import DOMAINS
from lablib.quiz.scoring import score_exam

CASES = Path(__file__).resolve().parents[1] / "quiz" / "fixtures" / "exam_cases.json"

EXPAND_AND_SCORE = """async (cases) => {
  const bank = await LablibQuiz.loadBank();
  return cases.map((c) => {
    const exam = bank.meta.exams.find((e) => e.code === c.exam);
    const byId = {}, items = [], answers = {};
    for (const b of c.blocks) {
      for (let n = 0; n < b.count; n++) {
        const id = b.id + '-' + n;
        byId[id] = {id, type: b.type, answer: b.answer};
        items.push({id, domain: b.domain, scored: b.scored});
        if (b.response !== null) answers[id] = b.response;
      }
    }
    const r = LablibExam.score({exam: c.exam, seed: 1, items, answers, elapsedMs: 0},
                               byId, bank.meta, exam);
    const domains = {};
    r.domains.filter((d) => d.scored)
      .forEach((d) => { domains[d.key] = [d.correct, d.scored, d.band]; });
    return {correct: r.correct, scored: r.scored, scaled: r.scaled, passed: r.pass, domains};
  });
}"""


def test_browser_scoring_matches_the_hand_computed_cases(desktop: Tab) -> None:  # noqa: F811
    cases = json.loads(CASES.read_text("utf-8"))["cases"]
    page = desktop.open("exam/")
    page.wait_for_function("() => window.LablibExam !== undefined")
    got = page.evaluate(EXPAND_AND_SCORE, cases)
    for case, result in zip(cases, got, strict=True):
        assert result == case["expected"], case["name"]


def _python_score(draw: list[dict[str, Any]], answers: dict[str, Any]) -> dict[str, Any]:
    bank = load_bank()
    items = [Item(d["id"], d["domain"], d["scored"], tuple(d["order"])) for d in draw]
    triples = [(bank.get(i.qid), i.domain, i.scored) for i in items]
    responses = {
        pos: (tuple(answers[i.qid]) if isinstance(answers[i.qid], list) else answers[i.qid])
        for pos, i in enumerate(items)
        if i.qid in answers
    }
    r = score_exam(triples, responses)  # type: ignore[arg-type]
    return {
        "correct": r.correct,
        "scored": r.scored,
        "scaled": r.scaled,
        "passed": r.passed,
        "domains": {d.domain: [d.correct, d.total, d.band] for d in r.domains},
    }


def test_a_browser_draw_scored_in_python_and_in_javascript(desktop: Tab, built_site: Path) -> None:  # noqa: F811
    bank = _bank(built_site)
    by_id = {q["id"]: q for q in bank["questions"]}
    page = desktop.open("exam/")
    page.wait_for_function("() => window.LablibExam !== undefined")
    for exam, seed in (("DVA-C02", 11), ("SAA-C03", 12), ("DVA-C02", 2026)):
        draw = page.evaluate(
            """async ([code, seed]) => { const bank = await LablibQuiz.loadBank();
            return LablibExam.draw(bank, bank.meta.exams.find((e) => e.code === code), seed); }""",
            [exam, seed],
        )
        # the real format: 65 items, 15 unscored, single/multiple only, weights within one
        assert len(draw) == 65 and len({d["id"] for d in draw}) == 65
        assert sum(not d["scored"] for d in draw) == 15
        assert {by_id[d["id"]]["type"] for d in draw} <= {"single", "multiple"}
        for key, dom in DOMAINS.items():
            if dom.exam != exam:
                continue
            scored = sum(d["domain"] == key and d["scored"] for d in draw)
            assert abs(scored - 50 * dom.weight) <= 1, (key, scored)
            assert abs(sum(d["domain"] == key for d in draw) - 65 * dom.weight) <= 1
        rng = random.Random(seed)
        answers: dict[str, Any] = {}
        for d in draw:
            q = by_id[d["id"]]
            keys = [o["key"] for o in q["options"]]
            roll = rng.random()
            if roll < 0.6:
                answers[d["id"]] = q["answer"]
            elif roll < 0.9:
                answers[d["id"]] = rng.choice(keys) if q["type"] == "single" else keys[:1]
        js = page.evaluate(
            """async ([code, seed, draw, answers]) => { const bank = await LablibQuiz.loadBank();
            const byId = {}; bank.questions.forEach((q) => { byId[q.id] = q; });
            const exam = bank.meta.exams.find((e) => e.code === code);
            const r = LablibExam.score({exam: code, seed, items: draw, answers, elapsedMs: 0},
                                       byId, bank.meta, exam);
            const domains = {};
            r.domains.filter((d) => d.scored).forEach((d) => {
              domains[d.key] = [d.correct, d.scored, d.band]; });
            return {correct: r.correct, scored: r.scored, scaled: r.scaled, passed: r.pass,
                    domains};
            }""",
            [exam, seed, draw, answers],
        )
        assert js == _python_score(draw, answers), (exam, seed)


def test_whole_timed_exam_survives_a_browser_restart(
    browser: Browser,  # noqa: F811
    site_url: str,
    built_site: Path,
    tmp_path: Path,
) -> None:
    bank = _bank(built_site)
    by_id = {q["id"]: q for q in bank["questions"]}
    first = Tab(browser, site_url, {"width": 1280, "height": 900})
    page = first.open("exam/?seed=31&exam=DVA-C02")
    page.locator(".lx-start").click()
    expect(page.locator(".lx-counter")).to_have_text("Question 1 of 65")
    answered: list[str] = []
    for i in range(30):
        qid = page.locator(".lx-card").get_attribute("data-qid")
        assert qid is not None
        _answer_current(page, by_id[qid], right=True)
        answered.append(qid)
        if i == 5:
            page.locator(".lx-flag").click()
        page.locator(".lx-next").click()
    page.wait_for_timeout(1200)
    state = tmp_path / "state.json"
    first.context.storage_state(path=str(state))
    first.close()  # the browser is closed mid-exam

    second = Tab(browser, site_url, {"width": 1280, "height": 900})
    second.context.close()
    second.context = browser.new_context(storage_state=str(state))
    second.page = second.context.new_page()
    second.context.route("**/*", second._route)
    page = second.open("exam/")
    expect(page.locator(".lx-counter")).to_have_text("Question 31 of 65")
    timer = page.locator(".lx-timer").inner_text()
    assert re.match(r"^2:09:[0-5]\d left$", timer), timer  # the time used was kept
    for _ in range(35):
        qid = page.locator(".lx-card").get_attribute("data-qid")
        assert qid is not None
        _answer_current(page, by_id[qid], right=True)
        answered.append(qid)
        if len(answered) < 65:
            page.locator(".lx-next").click()
    page.locator(".lx-sheet-toggle").click()
    expect(page.locator(".lx-cell.lx-answered")).to_have_count(65)
    expect(page.locator(".lx-cell.lx-flagged")).to_have_count(1)
    page.locator(".lx-submit").click()
    page.locator(".lx-confirm-submit").click()
    expect(page.locator(".lx-scaled")).to_have_text("1000")
    expect(page.locator(".lx-band")).to_have_text(["Meets competencies"] * 4)
    last = page.evaluate("() => JSON.parse(localStorage.getItem('lablib.exam.last.v1'))")
    assert [i["id"] for i in last["attempt"]["items"]] == answered
    assert last["result"]["scored"] == 50 and last["result"]["correct"] == 50
    second.close()


def _answer_practice(page: Page, q: dict[str, Any], right: bool) -> None:
    card = page.locator(".lp-card")
    keys = [o["key"] for o in q["options"]]
    if q["type"] == "single":
        key = q["answer"] if right else next(k for k in keys if k != q["answer"])
        card.locator(f'input[value="{key}"]').check()
    elif q["type"] == "multiple":
        for key in q["answer"] if right else q["answer"][:1]:
            card.locator(f'input[value="{key}"]').check()
    elif q["type"] == "numeric":
        value = q["answer"]["value"] + (0 if right else q["answer"]["tolerance"] + 1000)
        card.locator(".lq-input").fill(str(value))
    elif q["type"] == "text":
        card.locator(".lq-input").fill(q["answer"][0] if right else "certainly not this")
    else:  # ordering: shown in shuffled order; leave it for a wrong answer if it is wrong
        card.locator(".lq-move").first.click() if not right else None
    page.locator(".lp-check").click()


def test_practice_modes_review_resume_retest_and_new(desktop: Tab, built_site: Path) -> None:  # noqa: F811
    bank = _bank(built_site)
    by_id = {q["id"]: q for q in bank["questions"]}
    lab_qs = [q for q in bank["questions"] if q["lab"] == "lambda-invocation"]
    page = desktop.open("study/practice/?lab=lambda-invocation&n=3&seed=77&review=1")
    expect(page.locator(".lp-status")).to_have_text(f"{len(lab_qs)} question(s) match.")
    expect(page.locator(".lp-seed")).to_have_text("Session seed: 77")
    page.locator(".lp-start").click()
    expect(page.locator(".lp-counter")).to_have_text("Question 1 of 3")
    first = page.locator(".lp-card").get_attribute("data-qid")
    assert first is not None
    q = by_id[first]
    _answer_practice(page, q, right=q["type"] == "ordering")  # a sure miss unless ordering
    if q["type"] != "ordering":
        expect(page.locator(".lq-verdict")).to_have_text("Not quite.")
        run = page.locator(".lq-run")
        expect(run).to_have_attribute("href", re.compile(r"/labs/.+/notebook/#concept-"))
        expect(run).to_contain_text("See it run")
        expect(page.locator(".lq-notes")).to_have_attribute("href", re.compile(r"/notes/#"))
    page.locator(".lp-next").click()
    second = page.locator(".lp-card").get_attribute("data-qid")
    page.reload()  # the tab is reloaded: the session resumes at question 2
    expect(page.locator(".lp-counter")).to_have_text("Question 2 of 3")
    assert page.locator(".lp-card").get_attribute("data-qid") == second
    for _ in range(2):
        qid = page.locator(".lp-card").get_attribute("data-qid")
        assert qid is not None
        _answer_practice(page, by_id[qid], right=True)
        page.locator(".lp-next").click()
    score = page.locator(".lp-score")
    expect(score).to_have_attribute("data-total", "3")
    desktop.shot("practice-summary-desktop")

    # the missed one comes back in the retest; "new" leaves out all three
    progress = page.evaluate("() => JSON.parse(localStorage.getItem('lablib.progress.v1'))")
    wrong = sorted(k for k, v in progress["questions"].items() if v["last"] == "wrong")
    page.locator(".lp-again").click()
    page.goto(desktop.site_url + "study/practice/?lab=lambda-invocation&mode=wrong&n=0")
    if wrong:
        expect(page.locator(".lp-status")).to_have_text(f"{len(wrong)} question(s) match.")
        page.locator(".lp-start").click()
        assert page.locator(".lp-card").get_attribute("data-qid") in wrong
        page.evaluate("() => localStorage.removeItem('lablib.practice.v1')")
    else:
        expect(page.locator(".lp-status")).to_contain_text("nothing to retest")
    page.goto(desktop.site_url + "study/practice/?lab=lambda-invocation&mode=new")
    expect(page.locator(".lp-status")).to_have_text(f"{len(lab_qs) - 3} question(s) match.")

    # the same seed reproduces the session (same first question)
    page.goto(desktop.site_url + "study/practice/?lab=lambda-invocation&n=3&seed=77&review=1")
    page.locator(".lp-start").click()
    assert page.locator(".lp-card").get_attribute("data-qid") == first


def test_due_today_and_progress_pages(desktop: Tab, built_site: Path) -> None:  # noqa: F811
    bank = _bank(built_site)
    dev = [q["id"] for q in bank["questions"] if "dva.development" in q["domains"]]
    page = desktop.open("study/due/")
    expect(page.locator(".ld-count")).to_have_text("Nothing is due now.")
    day = 86_400_000
    page.evaluate(
        """([ids, day]) => {
        const now = Date.now();
        // a miss three days ago (SM-2: due 10 minutes later: due now), a miss two days ago
        // answered right an hour ago (SM-2: due in 1 day: later), a right answer never missed
        // (not scheduled), and a miss "tomorrow": the clock was moved back (due now)
        LablibQuiz.recordResult(ids[0], false, 'test', now - 3 * day);
        LablibQuiz.recordResult(ids[1], false, 'test', now - 2 * day);
        LablibQuiz.recordResult(ids[1], true, 'test', now - 3600000);
        LablibQuiz.recordResult(ids[2], true, 'test', now - 2 * day);
        LablibQuiz.recordResult(ids[3], false, 'test', now + day);
        }""",
        [dev, day],
    )
    page.reload()
    expect(page.locator(".ld-count")).to_have_text("2 question(s) due now.")
    expect(page.locator(".ld-item")).to_have_count(2)
    assert {page.locator(".ld-item").nth(i).get_attribute("data-qid") for i in range(2)} == {
        dev[0],
        dev[3],
    }
    expect(page.locator(".lp-clock")).to_contain_text("was the clock changed?")
    expect(page.locator(".ld-next")).to_contain_text("1 question(s) scheduled later")
    expect(page.locator(".ld-item .lq-run").first).to_contain_text("See it run")
    desktop.shot("due-today-desktop")
    page.locator(".ld-practise").click()
    expect(page.locator(".lp-counter")).to_have_text("Question 1 of 2")

    page.goto(desktop.site_url + "study/progress/")
    expect(page.locator(".lpg-count")).to_have_text("5 answer(s) recorded in this browser.")
    chart = page.locator(".lpg-domains svg")
    expect(chart.locator("g.lpg-series")).to_have_count(4)
    # hand-computed: development has len(dev) questions; at the end dev[1] and dev[2] are
    # right (dev[0] and dev[3] wrong), so mastery = 2 / len(dev)
    want = round(2 / len(dev) * 100)
    legend = page.locator('.lpg-domains li[data-series="dva.development"]')
    expect(legend).to_have_attribute("data-mastery", str(want))
    points = chart.locator('g[data-series="dva.development"] circle')
    expect(points).to_have_count(4)  # four days with answers: -3, -2, today, "tomorrow"
    expect(page.locator(".lpg-concepts svg")).to_be_visible()
    desktop.shot("progress-desktop")


def test_corrupt_and_outdated_local_storage(desktop: Tab, built_site: Path) -> None:  # noqa: F811
    page = desktop.open("")
    page.evaluate(
        """() => {
        localStorage.setItem('lablib.progress.v1', '{"questions": 42, "log": "x"}');
        localStorage.setItem('lablib.practice.v1', '{"items": 5');
        localStorage.setItem('lablib.exam.attempt.v1', '{"status": "running", "items": [');
        }"""
    )
    page = desktop.open("study/due/")
    expect(page.locator(".lq-notice").first).to_contain_text("unexpected shape; it was kept as")
    expect(page.locator(".ld-count")).to_have_text("Nothing is due now.")
    page = desktop.open("study/practice/")
    expect(page.locator(".lq-notice").first).to_contain_text("could not be read; it was kept as")
    expect(page.locator(".lp-start")).to_be_enabled()
    page = desktop.open("exam/")
    expect(page.locator(".lq-notice").first).to_contain_text("could not be read")
    kept = page.evaluate(
        """() => Object.keys(localStorage).filter((k) => /\\.(corrupt|unreadable)-/.test(k))
              .map((k) => [k.split(/\\.(corrupt|unreadable)-/)[0], localStorage.getItem(k)])"""
    )
    originals = {k: v for k, _, v in [(k, None, v) for k, v in kept]}
    assert json.loads(originals["lablib.progress.v1"]) == {"questions": 42, "log": "x"}
    assert originals["lablib.practice.v1"] == '{"items": 5'
    assert originals["lablib.exam.attempt.v1"] == '{"status": "running", "items": ['

    # an exam saved before the bank changed: a vanished question is left out, with a notice
    page.goto(desktop.site_url + "exam/?seed=5&exam=DVA-C02")
    page.locator(".lx-start").click()
    expect(page.locator(".lx-counter")).to_have_text("Question 1 of 65")
    page = desktop.open("")  # leave the exam (it saves on the way out), then edit the save
    page.evaluate(
        """() => { const k = 'lablib.exam.attempt.v1';
        const a = JSON.parse(localStorage.getItem(k)); a.items[0].id = 'li-removed-question';
        a.items[1].order = ['a', 'z']; localStorage.setItem(k, JSON.stringify(a)); }"""
    )
    page = desktop.open("exam/")
    expect(page.locator(".lx-counter")).to_have_text("Question 1 of 64")
    notices = page.locator(".lq-notice")
    expect(notices.first).to_contain_text("no longer in the bank and were left out")
    expect(notices.nth(1)).to_contain_text("changed in the bank; answer it again")
