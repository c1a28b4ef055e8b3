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
from pathlib import Path
from typing import Any

from .bank import load_bank
from .exam import new_attempt
from .progress import ProgressStore
from .schema import Question
from .scoring import Response, format_answer, is_correct, parse_response


class QuizWidget:
    def __init__(self, lab_id: str, questions: list[Question], *, record: bool = True) -> None:
        if not questions:
            raise ValueError(f"the bank has no questions for lab {lab_id!r} yet")
        self.lab_id = lab_id
        self.questions = questions
        self.record = record
        self.first_try: dict[str, bool] = {}
        self._view: Any = None
        self._store: ProgressStore | None = None
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
        try:
            if self._store is None:
                self._store = ProgressStore()
                attempt = new_attempt("widget", self.questions, [], 0)
                self._attempt_id = self._store.start_attempt(attempt)
            self._store.record_answer(self._attempt_id, q.id, response, ok)
        except OSError:
            self.record = False  # a read-only home must not break the quiz

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
        """The ipywidgets quiz (built once)."""
        if self._view is None:
            import ipywidgets as w

            self._score = w.HTML(self._score_text())
            boxes = [self._question_box(w, n, q) for n, q in enumerate(self.questions, 1)]
            self._view = w.VBox([w.HTML(f"<h3>Quiz: {self.lab_id}</h3>"), *boxes, self._score])
        return self._view

    def _score_text(self) -> str:
        right, tried = self.score
        return f"<b>Score:</b> {right} of {tried} right first time ({len(self.questions)} total)"

    def _question_box(self, w: Any, n: int, q: Question) -> Any:
        stem = w.HTML(f"<p><b>{n}.</b> {_para_html(q.stem)}</p>")
        labels = [(f"{k}) {t}", k) for k, t in q.options.items()]
        if q.type == "single":
            field = w.RadioButtons(options=labels, value=None, layout={"width": "max-content"})
        elif q.type == "multiple":
            boxes = [w.Checkbox(description=text, indent=False) for text, _ in labels]
            field = w.VBox(boxes)
        else:
            hint = {"ordering": "letters in order, e.g. c a b", "numeric": "a number"}
            field = w.Text(placeholder=hint.get(q.type, "your answer"))

        def read() -> str:
            if q.type == "multiple":
                ticked = zip(labels, field.children, strict=True)
                return ",".join(key for (_, key), box in ticked if box.value)
            return str(field.value or "")

        options = (
            w.HTML("<br>".join(html.escape(t) for t, _ in labels)) if q.type == "ordering" else None
        )
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
        parts = [stem, *([options] if options else []), field, button, out]
        return w.VBox(parts, layout={"margin": "0 0 1em 0"})


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
    lab_id: str, *, bank_dir: Path | str | None = None, record: bool = True
) -> QuizWidget:
    """The quiz for the end of lab ``lab_id``; display it as a cell's last expression."""
    bank = load_bank(bank_dir)
    return QuizWidget(lab_id, bank.select(lab=lab_id), record=record)
