/* Practice modes (#lablib-practice on study/practice.md), the browser's `lablib quiz`.
 *
 * Selection: by topic (lab), by exam domain, by concept; "new" = never answered in this
 * browser (the final test), "wrong" = last answered wrong (the retest), "due" = due for
 * spaced repetition (SM-2, see lablib-quiz.js). Review mode shows the explanation and the
 * study links after each answer; otherwise the feedback comes at the end. Optional time limit.
 * Questions and option order come from a seeded shuffle: ?seed=N reproduces a session.
 * Every setting can be given in the address: ?lab=&domain=&concept=&mode=&review=1&n=&minutes=
 * The session is saved in localStorage after each step: a closed tab resumes where it was.
 */
(function () {
  "use strict";

  var Q = window.LablibQuiz;
  var el = Q.el;
  var KEY = "lablib.practice.v1";
  var MODES = {
    all: "All questions",
    "new": "Final test: only questions never answered before",
    wrong: "Retest: the ones last answered wrong",
    due: "Due today (spaced repetition)",
  };

  function byIdOf(bank) {
    var byId = {};
    bank.questions.forEach(function (q) { byId[q.id] = q; });
    return byId;
  }

  /* The questions a selection names, before the seeded draw; `why` explains an empty one. */
  function select(bank, f, progress, now) {
    var qs = bank.questions.filter(function (q) {
      return (!f.lab || q.lab === f.lab) && (!f.domain || q.domains.indexOf(f.domain) >= 0) &&
        (!f.concept || q.concepts.indexOf(f.concept) >= 0);
    });
    var filtered = qs.length;
    var seen = progress.questions;
    if (f.mode === "new") qs = qs.filter(function (q) { return !seen[q.id]; });
    if (f.mode === "wrong") qs = qs.filter(function (q) { return seen[q.id] && seen[q.id].last === "wrong"; });
    if (f.mode === "due") {
      var due = Q.dueCards(progress, now).due.map(function (d) { return d.id; });
      qs = qs.filter(function (q) { return due.indexOf(q.id) >= 0; });
    }
    var why = "";
    if (!filtered) why = "No questions match this lab, domain and concept; widen the selection.";
    else if (!qs.length) {
      why = {
        "new": "You have answered every one of these " + filtered + " questions: choose \"All questions\".",
        wrong: "None of these questions was last answered wrong: nothing to retest.",
        due: "Nothing is due for review now in this selection.",
      }[f.mode] || "No questions match.";
    }
    return { questions: qs, why: why };
  }

  /* The terminal's practice draw (lablib.quiz.exam.draw_quiz), from lablib-draw.js. */
  function draw(questions, n, seed) {
    return window.LablibDraw.drawQuiz(questions, n, seed).map(function (it) {
      return { id: it.id, order: it.order };
    });
  }

  function settingsFromUrl() {
    var p = new URLSearchParams(window.location.search);
    var n = parseInt(p.get("n") || "10", 10);
    var minutes = parseFloat(p.get("minutes") || "0");
    return {
      lab: p.get("lab") || "", domain: p.get("domain") || "", concept: p.get("concept") || "",
      mode: MODES[p.get("mode")] ? p.get("mode") : "all",
      review: p.get("review") !== "0",
      n: isFinite(n) && n >= 0 ? n : 10,
      minutes: isFinite(minutes) && minutes > 0 ? minutes : 0,
      seed: Q.seedFromUrl(),
      auto: p.get("start") === "1",
    };
  }

  function page(root) {
    Q.loadBank().then(function (bank) {
      var byId = byIdOf(bank);
      var ctx = { root: root, bank: bank, byId: byId, notices: [] };
      var session = Q.store.get(KEY);
      if (session && (!Array.isArray(session.items) || typeof session.answers !== "object" || !session.answers)) {
        Q.store.set(KEY + ".unreadable-" + Date.now(), session);
        Q.store.remove(KEY);
        ctx.notices.push("A saved practice session had an unknown format; it was set aside.");
        session = null;
      }
      if (session && !session.done) {
        reconcile(ctx, session);
        if (session.items.length) return run(ctx, session);
      }
      form(ctx, settingsFromUrl());
    }).catch(function (err) {
      root.innerHTML = "";
      root.appendChild(el("p", { class: "lq-error", text: "Practice could not start: " + err.message }));
    });
  }

  /* A bank edited since the session began: drop vanished questions, reset changed ones. */
  function reconcile(ctx, s) {
    var before = s.items.length;
    s.items = s.items.filter(function (it) { return ctx.byId[it.id]; });
    if (s.items.length < before) {
      ctx.notices.push((before - s.items.length) + " question(s) of this session are no longer in the " +
        "bank and were left out; your other answers are kept.");
    }
    s.items.forEach(function (it) {
      var keys = ctx.byId[it.id].options.map(function (o) { return o.key; });
      if (it.order.slice().sort().join() !== keys.slice().sort().join()) {
        it.order = keys;
        delete s.answers[it.id];
        ctx.notices.push("Question " + it.id + " changed in the bank; answer it again.");
      }
    });
    s.current = Math.min(s.current || 0, Math.max(0, s.items.length - 1));
    Q.store.set(KEY, s);
  }

  function notices(ctx) {
    Q.store.problems.concat(ctx.notices).forEach(function (n) {
      ctx.root.appendChild(el("p", { class: "lq-notice", text: n }));
    });
    ctx.notices = [];
    Q.store.problems.length = 0;
  }

  function selectBox(name, label, options, value) {
    var s = el("select", { name: name, class: "lp-" + name });
    options.forEach(function (o) {
      var opt = el("option", { value: o[0], text: o[1] });
      if (o[0] === value) opt.selected = true;
      s.appendChild(opt);
    });
    return el("label", { class: "lp-field" }, [el("span", { text: label + " " }), s]);
  }

  function form(ctx, st) {
    var root = ctx.root;
    root.innerHTML = "";
    notices(ctx);
    var meta = ctx.bank.meta;
    var labs = [["", "All labs"]].concat(meta.labs.map(function (l) { return [l.id, l.title]; }));
    var domains = [["", "All domains"]];
    meta.exams.forEach(function (e) {
      e.domains.forEach(function (d) { domains.push([d.key, e.code + ": " + d.name]); });
    });
    var concepts = {};
    ctx.bank.questions.forEach(function (q) { q.concepts.forEach(function (c) { concepts[c] = true; }); });
    var conceptOpts = [["", "All concepts"]].concat(Object.keys(concepts).sort().map(function (c) { return [c, c]; }));
    var modeOpts = Object.keys(MODES).map(function (k) { return [k, MODES[k]]; });
    var review = el("input", { type: "checkbox", name: "review", class: "lp-review" });
    review.checked = st.review;
    var n = el("input", { type: "number", name: "n", min: "0", value: String(st.n), class: "lp-n" });
    var minutes = el("input", { type: "number", name: "minutes", min: "0", value: String(st.minutes), class: "lp-minutes" });
    var seed = st.seed || Q.newSeed();
    var f = el("form", { class: "lp-form" }, [
      selectBox("mode", "Mode", modeOpts, st.mode),
      selectBox("lab", "Topic (lab)", labs, st.lab),
      selectBox("domain", "Exam domain", domains, st.domain),
      selectBox("concept", "Concept", conceptOpts, st.concept),
      el("label", { class: "lp-field" }, [review, el("span", { text: " Review mode: explanation after each answer" })]),
      el("label", { class: "lp-field" }, [el("span", { text: "Questions (0 = all) " }), n]),
      el("label", { class: "lp-field" }, [el("span", { text: "Time limit in minutes (0 = none) " }), minutes]),
      el("p", { class: "lp-seed", text: "Session seed: " + seed }),
    ]);
    var status = el("p", { class: "lp-status", "aria-live": "polite" });
    var go = el("button", { type: "submit", class: "md-button md-button--primary lp-start", text: "Start" });
    f.appendChild(go);
    f.appendChild(status);
    var read = function () {
      var v = function (name) { return f.querySelector("[name=" + name + "]").value; };
      return { mode: v("mode"), lab: v("lab"), domain: v("domain"), concept: v("concept"),
        review: review.checked, n: Math.max(0, parseInt(v("n"), 10) || 0),
        minutes: Math.max(0, parseFloat(v("minutes")) || 0) };
    };
    var preview = function () {
      var sel = select(ctx.bank, read(), Q.loadProgress(), Date.now());
      status.textContent = sel.why || sel.questions.length + " question(s) match.";
      status.classList.toggle("lp-empty", !!sel.why);
      go.disabled = !!sel.why;
    };
    f.addEventListener("change", preview);
    f.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var chosen = read();
      var sel = select(ctx.bank, chosen, Q.loadProgress(), Date.now());
      if (sel.why) { preview(); return; }
      var session = {
        v: 1, seed: seed, filters: chosen, review: chosen.review, done: false,
        items: draw(sel.questions, chosen.n, seed), answers: {}, current: 0,
        limitMs: chosen.minutes * 60000, elapsedMs: 0,
      };
      Q.store.set(KEY, session);
      run(ctx, session);
    });
    root.appendChild(f);
    preview();
    if (st.auto && !go.disabled) go.click();
  }

  function run(ctx, s) {
    var root = ctx.root;
    root.innerHTML = "";
    notices(ctx);
    var finished = false;
    var counter = el("span", { class: "lp-counter" });
    var timer = el("span", { class: "lx-timer lp-timer", role: "timer" });
    root.appendChild(el("div", { class: "lx-bar" }, [counter, s.limitMs ? timer : null]));
    var card = el("section", { class: "lq-card lp-card" });
    root.appendChild(card);
    var save = function () { if (!finished) Q.store.set(KEY, s); };

    var show = function () {
      if (s.current >= s.items.length) return finish(false);
      var item = s.items[s.current];
      var q = ctx.byId[item.id];
      counter.textContent = "Question " + (s.current + 1) + " of " + s.items.length;
      card.innerHTML = "";
      card.setAttribute("data-qid", q.id);
      card.appendChild(el("div", { class: "lq-stem", html: q.stem }));
      var body = el("div", { class: "lq-body" });
      card.appendChild(body);
      var control = Q.renderInputs(body, q, item.order, "lp-q-" + s.current);
      var check = el("button", { type: "button", class: "md-button md-button--primary lp-check",
        text: s.review ? "Check" : "Answer" });
      var skip = el("button", { type: "button", class: "md-button lp-skip", text: "Skip" });
      var actions = el("p", { class: "lq-actions" }, [check, skip]);
      card.appendChild(actions);
      var next = function () { s.current += 1; save(); show(); };
      var answered = s.answers[item.id];
      if (answered) {  // resumed after answering in review mode: show the feedback again
        control.set(answered.response);
        control.lock();
        actions.remove();
        Q.showFeedback(body, q, answered.response, answered.correct);
        var again = el("button", { type: "button", class: "md-button md-button--primary lp-next", text: "Next" });
        again.addEventListener("click", next);
        card.appendChild(el("p", {}, [again]));
        return;
      }
      skip.addEventListener("click", next);
      check.addEventListener("click", function () {
        var response = control.get();
        if (!Q.isAnswered(q, response)) { check.textContent = "Choose an answer first"; return; }
        var correct = Q.grade(q, response);
        s.answers[item.id] = { response: response, correct: correct };
        Q.recordResult(q.id, correct, "practice");
        save();
        if (!s.review) return next();
        control.lock();
        actions.remove();
        Q.showFeedback(body, q, response, correct);
        var nextBtn = el("button", { type: "button", class: "md-button md-button--primary lp-next",
          text: s.current + 1 < s.items.length ? "Next" : "See the summary" });
        nextBtn.addEventListener("click", next);
        card.appendChild(el("p", {}, [nextBtn]));
      });
    };

    var finish = function (timedOut) {
      if (finished) return;
      finished = true;
      window.clearInterval(handle);
      s.done = true;
      Q.store.set(KEY, s);
      summary(ctx, s, timedOut);
    };
    var last = performance.now();
    var tick = function () {
      if (!s.limitMs || finished) return;
      var now = performance.now();
      s.elapsedMs += now - last;
      last = now;
      var left = Math.max(0, s.limitMs - s.elapsedMs);
      var sec = Math.ceil(left / 1000);
      timer.textContent = Math.floor(sec / 60) + ":" + ("0" + (sec % 60)).slice(-2) + " left";
      save();
      if (left <= 0) finish(true);
    };
    var handle = window.setInterval(tick, 1000);
    window.addEventListener("pagehide", tick);
    show();
    tick();
  }

  function summary(ctx, s, timedOut) {
    var root = ctx.root;
    root.innerHTML = "";
    var ids = s.items.map(function (it) { return it.id; });
    var right = ids.filter(function (id) { return s.answers[id] && s.answers[id].correct; }).length;
    root.appendChild(el("p", { class: "lp-score", "data-right": String(right), "data-total": String(ids.length),
      text: right + " of " + ids.length + " right" + (timedOut ? " (time ran out)" : "") }));
    var missed = ids.filter(function (id) { return !(s.answers[id] && s.answers[id].correct); });
    var f = s.filters || {};
    var params = function (mode) {
      return "?mode=" + mode + "&lab=" + (f.lab || "") + "&domain=" + (f.domain || "") +
        "&concept=" + (f.concept || "") + "&review=1&n=0";
    };
    var actions = el("p", { class: "lp-actions" });
    if (missed.length) {
      actions.appendChild(el("a", { class: "md-button md-button--primary lp-retest",
        href: window.location.pathname + params("wrong"), text: "Retest the " + missed.length + " missed" }));
    }
    var again = el("button", { type: "button", class: "md-button lp-again", text: "New session" });
    again.addEventListener("click", function () {
      Q.store.remove(KEY);
      window.location.assign(window.location.pathname);
    });
    actions.appendChild(again);
    root.appendChild(actions);
    root.appendChild(el("p", {}, [el("a", { class: "lp-repro", href: window.location.pathname +
      params(f.mode || "all").replace("n=0", "n=" + (f.n || 0)) + "&seed=" + s.seed +
      "&review=" + (s.review ? 1 : 0), text: "Reproduce this session (seed " + s.seed + ")" })]));
    root.appendChild(el("h2", { text: "Your answers" }));
    s.items.forEach(function (item, i) {
      var q = ctx.byId[item.id];
      var a = s.answers[item.id];
      var body = el("div", { class: "lq-body" });
      var control = Q.renderInputs(body, q, item.order, "lp-r-" + i);
      if (a) control.set(a.response);
      control.lock();
      Q.showFeedback(body, q, a ? a.response : null, !!(a && a.correct));
      root.appendChild(el("details", { class: "lp-review-item " + (a && a.correct ? "lx-ok" : "lx-missed"),
        "data-qid": q.id }, [
        el("summary", { text: (i + 1) + ". " + (a && a.correct ? "✓ " : "✗ ") + (a ? "" : "(skipped) ") +
          q.stem.replace(/<[^>]+>/g, "").slice(0, 90) }),
        el("div", { class: "lq-stem", html: q.stem }), body,
      ]));
    });
  }

  window.LablibPractice = { select: select, draw: draw };

  function init() {
    var root = document.getElementById("lablib-practice");
    if (root) page(root);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
