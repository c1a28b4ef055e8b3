"""The end-of-lab quiz in a notebook: ``quiz_widget(lab_id)``.

In JupyterLab it is an ipywidgets quiz: a Check button per question gives immediate feedback
(right or not, the explanation of each chosen option, the right answer, the overall
explanation and where to see it run) and a running score counts first tries. Where widgets
cannot display (nbval, nbconvert, a terminal) the same object renders as readable text with
the answers folded into a collapsed ``<details>`` block. ipywidgets is imported only when the
interactive view is built.
"""

from __future__ import annotations

import html
import random
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .bank import load_bank
from .exam import new_attempt, shown_keys, shuffle_question
from .progress import ProgressStore
from .schema import Question
from .scoring import Response, format_answer, is_correct, parse_response


class QuizWidget:
    def __init__(
        self, lab_id: str, questions: list[Question], *, record: bool = True, seed: int | None = 1
    ) -> None:
        """``seed`` orders each question's options (relettered a, b, ...); None keeps the
        bank's order. Typed input and feedback use the letters shown."""
        if not questions:
            raise ValueError(f"the bank has no questions for lab {lab_id!r} yet")
        self.lab_id = lab_id
        self._to_bank = {
            q.id: {chr(ord("a") + i): k for i, k in enumerate(shown_keys(q, seed))}
            for q in questions
        }
        self.questions = [shuffle_question(q, seed) for q in questions]
        self.record = record
        self.first_try: dict[str, bool] = {}
        self._view: Any = None
        self._attempt_id = 0

    # --- logic (no widgets needed) -----------------------------------------------------
    @property
    def score(self) -> tuple[int, int]:
        """(right on the first try, questions tried)."""
        return sum(self.first_try.values()), len(self.first_try)

    def check(self, qid: str, text: str) -> tuple[bool, str]:
        """Grade typed input for one question: (correct, feedback as HTML). Input uses the
        option keys (a, b, ...). Raises :class:`ValueError` saying what to type."""
        q = next(q for q in self.questions if q.id == qid)
        response = parse_response(q, text)
        ok = is_correct(q, response)
        if qid not in self.first_try:
            self.first_try[qid] = ok
            self._remember(q, response, ok)
        return ok, feedback_html(q, response, ok)

    def _remember(self, q: Question, response: Response, ok: bool) -> None:
        if not self.record:
            return
        try:  # opened per answer: a kernel may live for days, a connection should not
            with ProgressStore() as store:
                if not self._attempt_id:
                    attempt = new_attempt("widget", self.questions, [], 0)
                    self._attempt_id = store.start_attempt(attempt)
                store.record_answer(self._attempt_id, q.id, self._bank_keys(q, response), ok)
        except OSError:
            self.record = False  # a read-only home must not break the quiz

    def _bank_keys(self, q: Question, response: Response) -> Response:
        """A response in the letters shown, mapped back to the bank's option keys."""
        back = self._to_bank[q.id]
        if isinstance(response, str) and response in back:
            return back[response]
        if isinstance(response, tuple):
            mapped = tuple(back.get(str(r), str(r)) for r in response)
            return tuple(sorted(mapped)) if q.type == "multiple" else mapped
        return response

    # --- text fallback -----------------------------------------------------------------
    def markdown(self) -> str:
        out = [f"### Quiz: {self.lab_id} ({len(self.questions)} questions)", ""]
        for n, q in enumerate(self.questions, 1):
            out.append(f"**{n}.** " + " ".join(q.stem.split()))
            out.append("")
            out += [f"- **{k})** {t}" for k, t in q.options.items()]
            if q.type in ("numeric", "text"):
                out.append(f"- *type the {'number' if q.type == 'numeric' else 'answer'}*")
            out += ["", "<details><summary>Answer</summary>", ""]
            out.append(f"**Answer:** {html.escape(format_answer(q))}")
            out += [f"- {k}) {html.escape(t)}" for k, t in q.explanations.items()]
            if q.explanation:
                out.append(html.escape(q.explanation))
            if q.lab_ref:
                out.append(f"\n*See it run:* {q.lab_ref}")
            out += ["", "</details>", ""]
        return "\n".join(out)

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def __repr__(self) -> str:
        lines = [f"Quiz: {self.lab_id} ({len(self.questions)} questions; answers hidden)"]
        for n, q in enumerate(self.questions, 1):
            lines.append(f"{n}. " + " ".join(q.stem.split()))
            lines += [f"   {k}) {t}" for k, t in q.options.items()]
        return "\n".join(lines)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/plain": repr(self), "text/markdown": self.markdown()}
        try:
            view = self.view()
        except ImportError:
            return bundle
        shown = view._repr_mimebundle_() or {}
        bundle.update({k: v for k, v in shown.items() if k != "text/plain"})
        return bundle

    # --- ipywidgets view ---------------------------------------------------------------
    def view(self) -> Any:
        """The ipywidgets quiz (built once): each question's text and options, then its
        controls (letters), a Check button and the feedback."""
        if self._view is None:
            import ipywidgets as w

            self._score = w.HTML(self._score_text())
            boxes = [self._question_box(w, n, q) for n, q in enumerate(self.questions, 1)]
            self._view = w.VBox([w.HTML(f"<h3>Quiz: {self.lab_id}</h3>"), *boxes, self._score])
        return self._view

    def _ipython_display_(self) -> None:
        """In a kernel: each question's text as plain HTML output (readable when the notebook
        is reopened without a kernel, or on a page) followed by its controls as a widget."""
        from IPython import display as ipd

        display: Any = ipd.display
        try:
            import ipywidgets as w
        except ImportError:  # pragma: no cover - ipywidgets is a dependency
            display(self._repr_mimebundle_(), raw=True)
            return
        self._score = w.HTML(self._score_text())
        header = f"Quiz: {self.lab_id} ({len(self.questions)} questions)"
        display({"text/html": f"<h3>{html.escape(header)}</h3>", "text/plain": header}, raw=True)
        for n, q in enumerate(self.questions, 1):
            display({"text/html": question_html(n, q), "text/plain": question_text(n, q)}, raw=True)
            display(self._question_box(w, n, q, with_text=False))
        display(self._score)

    def _score_text(self) -> str:
        right, tried = self.score
        return f"<b>Score:</b> {right} of {tried} right first time ({len(self.questions)} total)"

    def _question_box(self, w: Any, n: int, q: Question, with_text: bool = True) -> Any:
        keys = list(q.options)
        if q.type == "single":
            field = w.RadioButtons(
                options=[(k, k) for k in keys], value=None, orientation="horizontal",
                layout={"width": "max-content"},
            )  # fmt: skip
        elif q.type == "multiple":
            boxes = [w.Checkbox(description=k, indent=False) for k in keys]
            field = w.HBox(boxes)
        else:
            hint = {"ordering": "letters in order, e.g. c a b", "numeric": "a number"}
            field = w.Text(placeholder=hint.get(q.type, "your answer"))

        def read() -> str:
            if q.type == "multiple":
                ticked = zip(keys, field.children, strict=True)
                return ",".join(key for key, box in ticked if box.value)
            return str(field.value or "")

        button = w.Button(description="Check", button_style="primary")
        out = w.HTML()

        def on_click(_: Any) -> None:
            try:
                _, text = self.check(q.id, read())
            except ValueError as exc:
                text = f"<i>{html.escape(str(exc))}</i>"
            out.value = text
            self._score.value = self._score_text()

        button.on_click(on_click)
        parts = [field, button, out]
        if with_text:
            parts.insert(0, w.HTML(question_html(n, q)))
        return w.VBox(parts, layout={"margin": "0 0 1em 0"})


_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")


def inline_html(text: str) -> str:
    """Markdown's inline marks as the site renders them: `code`, **bold**, *italic*."""
    parts = _CODE.split(text)
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(f"<code>{html.escape(part)}</code>")
        else:
            escaped = html.escape(part)
            escaped = _BOLD.sub(r"<b>\1</b>", escaped)
            out.append(_ITALIC.sub(r"<i>\1</i>", escaped))
    return "".join(out)


def question_html(n: int, q: Question) -> str:
    """A question's text and lettered options as HTML (no answers)."""
    stem = "<br>".join(inline_html(line) for line in q.stem.strip().splitlines())
    options = "".join(
        f"<li style='list-style:none'><b>{k})</b> {inline_html(t)}</li>"
        for k, t in q.options.items()
    )
    kind = {
        "multiple": f"Choose {len(q.answer) if isinstance(q.answer, tuple) else 1}.",
        "ordering": "Type the letters in order.",
        "numeric": "Type a number.",
        "text": "Type the answer.",
    }.get(q.type, "Choose one.")
    return (
        f"<div class='lablib-question'><p><b>{n}.</b> {stem}</p>"
        f"<ul style='padding-left:1em'>{options}</ul><p><i>{kind}</i></p></div>"
    )


def question_text(n: int, q: Question) -> str:
    lines = [f"{n}. " + " ".join(q.stem.split())]
    return "\n".join(lines + [f"   {k}) {t}" for k, t in q.options.items()])


def _para_html(text: str) -> str:
    return "<br>".join(html.escape(line) for line in text.strip().splitlines())


def feedback_html(q: Question, response: Response, ok: bool) -> str:
    """Right/wrong, the explanation of each chosen option, the answer and where to see it."""
    head = "✅ Right." if ok else "❌ Not quite."
    parts = [f"<b>{head}</b>"]
    chosen = list(response) if isinstance(response, tuple) else [str(response)]
    for key in chosen:
        if key in q.explanations:
            parts.append(f"<b>{key})</b> {html.escape(q.explanations[key])}")
    if not ok:
        parts.append(f"<b>Answer:</b> {html.escape(format_answer(q))}")
    if q.explanation:
        parts.append(html.escape(q.explanation))
    if q.lab_ref:
        parts.append(f"<i>See it run:</i> {html.escape(q.lab_ref)}")
    return "<br>".join(parts)


def quiz_widget(
    lab_id: str,
    *,
    bank_dir: Path | str | None = None,
    record: bool = True,
    seed: int | None = 1,
    concepts: Sequence[str] | None = None,
    count: int | None = None,
) -> QuizWidget:
    """The quiz for lab ``lab_id``; display it as a cell's last expression.
    Options are shown in a seeded order (``seed``; None keeps the bank's order).

    ``concepts`` keeps the questions on those concept ids (a checkpoint after a step);
    ``count`` draws that many of them, spread over the concepts round-robin and fixed by
    ``seed`` (an end-of-lab draw instead of the whole bank)."""
    bank = load_bank(bank_dir)
    questions = bank.select(lab=lab_id)
    if concepts is not None:
        for concept in concepts:
            bank.select(concept=concept)  # an unknown id raises with a pointer to the syllabus
        wanted = set(concepts)
        questions = [q for q in questions if wanted & set(q.concepts)]
    if count is not None:
        questions = draw(questions, count, seed)
    return QuizWidget(lab_id, questions, record=record, seed=seed)


def draw(questions: list[Question], count: int, seed: int | None) -> list[Question]:
    """``count`` questions taken round-robin over their first concept, each concept's
    questions shuffled by ``seed``; the result keeps bank order."""
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    rng = random.Random(seed)
    groups: dict[str, list[Question]] = {}
    for q in questions:
        groups.setdefault(q.concepts[0], []).append(q)
    for group in groups.values():
        rng.shuffle(group)
    picked: set[str] = set()
    while len(picked) < min(count, len(questions)):
        for group in groups.values():
            if group and len(picked) < count:
                picked.add(group.pop().id)
    return [q for q in questions if q.id in picked]
