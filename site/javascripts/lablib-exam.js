/* The timed practice exam page (#lablib-exam), in the real exam's format.
 *
 * Rules (bank.json "meta" carries the numbers, from lablib/site/catalog.py):
 * - 65 single-answer and multiple-response items drawn to the exam's domain weights (largest
 *   remainder rounding); 15 of them unscored and not marked. A smaller bank gives a shorter
 *   attempt with the same proportions, and the page says so.
 * - Multiple response is all-or-nothing; unanswered counts as wrong; no penalty for guessing.
 * - Scaled score = 100 + 900 * correct / scored rounded half up (in integers), pass at 720.
 *   A domain "meets" competencies when its own scored items, on the same scale, reach 720;
 *   otherwise it "needs work" (the same rules as lablib/quiz/scoring.py; the hand-computed
 *   cases in tests/quiz/fixtures/exam_cases.json are checked against both).
 * - The clock counts the time the page is open (performance.now), so reloading or closing the
 *   tab resumes with the time that was left, and a change of the system clock changes nothing.
 * - ?seed=N (&exam=SAA-C03) reproduces a draw: same questions, order and option order.
 */
(function () {
  "use strict";

  var Q = window.LablibQuiz;
  var ATTEMPT_KEY = "lablib.exam.attempt.v1";
  var LAST_KEY = "lablib.exam.last.v1";
  var el = Q.el;

  function fmtTime(ms) {
    var s = Math.max(0, Math.ceil(ms / 1000));
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var sec = s % 60;
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return (h ? h + ":" + two(m) : String(m)) + ":" + two(sec);
  }

  function primaryDomain(q, exam) {
    for (var i = 0; i < q.domains.length; i++) if (q.domains[i].indexOf(exam.prefix) === 0) return q.domains[i];
    return null;
  }

  function poolFor(bank, exam) {
    return bank.questions
      .filter(function (q) { return (q.type === "single" || q.type === "multiple") && primaryDomain(q, exam); })
      .sort(function (a, b) { return a.id < b.id ? -1 : a.id > b.id ? 1 : 0; });
  }

  /* The terminal's draw (lablib.quiz.exam.draw_exam), ported in lablib-draw.js: the same seed
   * draws the same items, order and option order as `lablib exam --seed N`. */
  function draw(bank, exam, seed) {
    var weights = exam.domains.map(function (d) { return { key: d.key, weight: d.weight }; });
    var n = Math.min(bank.meta.items, poolFor(bank, exam).length);
    var unscored = Math.round(n * bank.meta.unscored / bank.meta.items);
    return window.LablibDraw.drawExam(bank.questions, weights, seed, n, unscored).items;
  }

  /* Scaled score 100-1000, rounded half up in integers (as lablib.quiz.scoring.scaled_score). */
  function scaledScore(meta, correct, total) {
    if (!total) return meta.scaledMin;
    var span = meta.scaledMax - meta.scaledMin;
    return meta.scaledMin + Math.floor((2 * span * correct + total) / (2 * total));
  }

  var BAND_LABELS = { "meets": "Meets competencies", "needs work": "Needs work" };

  function score(attempt, byId, meta, exam) {
    var perDomain = {};
    exam.domains.forEach(function (d) { perDomain[d.key] = { key: d.key, name: d.name, weight: d.weight, scored: 0, correct: 0 }; });
    var scored = 0;
    var correct = 0;
    var marks = attempt.items.map(function (item) {
      var ok = Q.grade(byId[item.id], attempt.answers[item.id]);
      if (item.scored) {
        scored += 1;
        if (ok) correct += 1;
        var d = perDomain[item.domain];
        if (d) { d.scored += 1; if (ok) d.correct += 1; }
      }
      return ok;
    });
    var scaled = scaledScore(meta, correct, scored);
    return {
      exam: attempt.exam,
      seed: attempt.seed,
      at: new Date().toISOString(),
      items: attempt.items.length,
      scored: scored,
      correct: correct,
      scaled: scaled,
      pass: scaled >= meta.passScore,
      timeUsedMs: attempt.elapsedMs,
      domains: exam.domains.map(function (d) {
        var x = perDomain[d.key];
        x.band = x.scored && scaledScore(meta, x.correct, x.scored) >= meta.passScore ? "meets" : "needs work";
        x.bandLabel = x.scored ? BAND_LABELS[x.band] : "No scored items";
        return x;
      }),
      marks: marks,
    };
  }

  function examPage(root) {
    Q.loadBank().then(function (bank) {
      var meta = bank.meta;
      var byId = {};
      bank.questions.forEach(function (q) { byId[q.id] = q; });
      var examByCode = {};
      meta.exams.forEach(function (e) { examByCode[e.code] = e; });
      var notices = [];
      var attempt = Q.store.get(ATTEMPT_KEY);
      if (attempt && (!attempt.items || !examByCode[attempt.exam] || attempt.status !== "running")) {
        notices.push("A saved attempt had an unknown format and was set aside.");
        Q.store.set(ATTEMPT_KEY + ".unreadable-" + Date.now(), attempt);
        Q.store.remove(ATTEMPT_KEY);
        attempt = null;
      }
      if (attempt) reconcile(attempt);
      var ctx = { root: root, bank: bank, meta: meta, byId: byId, examByCode: examByCode };
      notices = Q.store.problems.concat(notices);
      if (attempt) running(ctx, attempt, notices);
      else start(ctx, notices);

      /* The bank may have changed since the attempt started: keep what still exists. */
      function reconcile(a) {
        var before = a.items.length;
        a.items = a.items.filter(function (item) { return byId[item.id]; });
        if (a.items.length < before) {
          notices.push((before - a.items.length) + " question(s) of this attempt are no longer in the " +
            "bank and were left out; your other answers are kept.");
        }
        a.items.forEach(function (item) {
          var keys = byId[item.id].options.map(function (o) { return o.key; });
          if (item.order.slice().sort().join() !== keys.slice().sort().join()) {
            item.order = keys;
            delete a.answers[item.id];
            notices.push("Question " + item.id + " changed in the bank; answer it again.");
          }
        });
        a.current = Math.min(a.current || 0, Math.max(0, a.items.length - 1));
        Q.store.set(ATTEMPT_KEY, a);
      }
    }).catch(function (err) {
      root.innerHTML = "";
      root.appendChild(el("p", { class: "lq-error", text: "The exam could not start: " + err.message }));
    });
  }

  function noticeList(notices) {
    return notices.map(function (n) { return el("p", { class: "lq-notice", text: n }); });
  }

  function start(ctx, notices) {
    var root = ctx.root;
    root.innerHTML = "";
    noticeList(notices).forEach(function (n) { root.appendChild(n); });
    var params = new URLSearchParams(window.location.search);
    var wanted = (params.get("exam") || "").toUpperCase();
    var seed = Q.seedFromUrl() || Q.newSeed();
    var choice = el("fieldset", { class: "lx-choice" }, [el("legend", { text: "Exam" })]);
    ctx.meta.exams.forEach(function (exam, i) {
      var size = Math.min(ctx.meta.items, poolFor(ctx.bank, exam).length);
      var input = el("input", { type: "radio", name: "lx-exam", value: exam.code });
      input.checked = wanted ? exam.code.indexOf(wanted) === 0 : i === 0;
      var note = size >= ctx.meta.items ? size + " items" :
        "the bank has " + size + " questions for it so far: a shorter attempt";
      choice.appendChild(el("label", { class: "lx-exam-option" }, [
        input, el("span", { text: " " + exam.code + " · " + exam.title + " (" + note + ")" }),
      ]));
    });
    var go = el("button", { type: "button", class: "md-button md-button--primary lx-start", text: "Start the exam" });
    go.addEventListener("click", function () {
      var code = (choice.querySelector("input:checked") || {}).value || ctx.meta.exams[0].code;
      var exam = ctx.examByCode[code];
      var items = draw(ctx.bank, exam, seed);
      if (!items.length) {
        go.textContent = "No questions for " + code + " yet";
        return;
      }
      var attempt = {
        v: 1, status: "running", exam: code, seed: seed, items: items, answers: {}, flags: {},
        current: 0, elapsedMs: 0, limitMs: ctx.meta.minutes * 60000, startedAt: new Date().toISOString(),
      };
      Q.store.set(ATTEMPT_KEY, attempt);
      running(ctx, attempt, []);
    });
    root.appendChild(choice);
    root.appendChild(el("p", { class: "lx-seed", text: "Attempt seed: " + seed }));
    root.appendChild(go);
    var last = Q.store.get(LAST_KEY);
    if (last && last.result) {
      var show = el("button", { type: "button", class: "md-button lx-last", text: "Show the last report" });
      show.addEventListener("click", function () { results(ctx, last.attempt, last.result); });
      root.appendChild(el("p", { class: "lx-last-line" }, [
        el("span", { text: "Last attempt: " + last.result.exam + ", " + last.result.scaled + " (" +
          (last.result.pass ? "pass" : "fail") + ") " }), show,
      ]));
    }
    var exams = Q.loadProgress().exams;
    if (exams.length) {
      root.appendChild(el("h2", { text: "Your attempts" }));
      root.appendChild(window.LablibExamReport.history(exams, ctx.meta));
    }
  }

  function running(ctx, attempt, notices) {
    var root = ctx.root;
    var exam = ctx.examByCode[attempt.exam];
    var finished = false;
    document.body.classList.add("lx-running");  // hides the page's introduction
    root.innerHTML = "";
    noticeList(notices).forEach(function (n) { root.appendChild(n); });
    var counter = el("span", { class: "lx-counter" });
    var timer = el("span", { class: "lx-timer", role: "timer", "aria-live": "off" });
    var flag = el("button", { type: "button", class: "md-button lx-flag", "aria-pressed": "false" });
    var sheetBtn = el("button", { type: "button", class: "md-button lx-sheet-toggle", text: "Answer sheet" });
    // distraction-free mode: the site's header, tabs, navigation and footer go away
    var focusBtn = el("button", { type: "button", class: "md-button lx-focus-toggle", "aria-pressed": "false" });
    var setFocus = function (on) {
      attempt.focus = on;
      document.body.classList.toggle("lx-focus", on);
      focusBtn.setAttribute("aria-pressed", String(on));
      focusBtn.textContent = on ? "Exit focus mode" : "Focus mode";
    };
    setFocus(!!attempt.focus);
    focusBtn.addEventListener("click", function () { setFocus(!attempt.focus); save(); });
    root.appendChild(el("div", { class: "lx-bar" }, [counter, timer, flag, sheetBtn, focusBtn]));
    var card = el("section", { class: "lq-card lx-card" });
    root.appendChild(card);
    var prev = el("button", { type: "button", class: "md-button lx-prev", text: "Previous" });
    var next = el("button", { type: "button", class: "md-button md-button--primary lx-next", text: "Next" });
    var review = el("button", { type: "button", class: "md-button lx-review", text: "Review and submit" });
    root.appendChild(el("p", { class: "lx-nav" }, [prev, next, review]));
    var sheet = el("section", { class: "lx-sheet", hidden: "hidden" });
    root.appendChild(sheet);

    var save = function () { if (!finished) Q.store.set(ATTEMPT_KEY, attempt); };
    var show = function (i) {
      attempt.current = Math.max(0, Math.min(attempt.items.length - 1, i));
      save();
      var item = attempt.items[attempt.current];
      var q = ctx.byId[item.id];
      counter.textContent = "Question " + (attempt.current + 1) + " of " + attempt.items.length;
      card.innerHTML = "";
      card.setAttribute("data-qid", item.id);
      card.appendChild(el("div", { class: "lq-stem", html: q.stem }));
      var body = el("div", { class: "lq-body" });
      card.appendChild(body);
      var control = Q.renderInputs(body, q, item.order, "lx-q", function () {
        var r = control.get();
        if (Q.isAnswered(q, r)) attempt.answers[item.id] = r; else delete attempt.answers[item.id];
        save();
        drawSheet();
      });
      if (attempt.answers[item.id] !== undefined) control.set(attempt.answers[item.id]);
      var flagged = !!attempt.flags[item.id];
      flag.textContent = flagged ? "Flagged for review" : "Flag for review";
      flag.setAttribute("aria-pressed", String(flagged));
      prev.disabled = attempt.current === 0;
      next.disabled = attempt.current === attempt.items.length - 1;
      drawSheet();
    };
    var drawSheet = function () {
      sheet.innerHTML = "";
      var answered = Object.keys(attempt.answers).length;
      var flaggedIds = attempt.items.filter(function (it) { return attempt.flags[it.id]; });
      sheet.appendChild(el("h2", { text: "Answer sheet" }));
      sheet.appendChild(el("p", { class: "lx-sheet-summary", text: answered + " of " + attempt.items.length +
        " answered · " + flaggedIds.length + " flagged for review" }));
      var grid = el("div", { class: "lx-grid" });
      attempt.items.forEach(function (it, i) {
        var cls = "lx-cell";
        if (attempt.answers[it.id] !== undefined) cls += " lx-answered";
        if (attempt.flags[it.id]) cls += " lx-flagged";
        if (i === attempt.current) cls += " lx-current";
        var b = el("button", { type: "button", class: cls, text: String(i + 1),
          "aria-label": "Question " + (i + 1) + (attempt.flags[it.id] ? ", flagged" : "") });
        b.addEventListener("click", function () { sheet.hidden = true; show(i); });
        grid.appendChild(b);
      });
      sheet.appendChild(grid);
      var submit = el("button", { type: "button", class: "md-button md-button--primary lx-submit", text: "Submit the exam" });
      var confirmBox = el("div", { class: "lx-confirm", hidden: "hidden" }, [
        el("p", { text: "Submit now? " + (attempt.items.length - answered) + " unanswered, " +
          flaggedIds.length + " flagged. You cannot change answers after submitting." }),
      ]);
      var yes = el("button", { type: "button", class: "md-button md-button--primary lx-confirm-submit", text: "Submit now" });
      var no = el("button", { type: "button", class: "md-button lx-confirm-cancel", text: "Keep working" });
      yes.addEventListener("click", function () { finish(false); });
      no.addEventListener("click", function () { confirmBox.hidden = true; });
      confirmBox.appendChild(yes);
      confirmBox.appendChild(no);
      submit.addEventListener("click", function () { confirmBox.hidden = false; });
      sheet.appendChild(el("p", {}, [submit]));
      sheet.appendChild(confirmBox);
    };
    var finish = function (timedOut) {
      if (finished) return;
      finished = true;
      window.clearInterval(tickHandle);
      var result = score(attempt, ctx.byId, ctx.meta, exam);
      result.timedOut = timedOut;
      // only answered items go into the study history: an unanswered item was never tried,
      // so it is neither scheduled as wrong nor counted as seen
      attempt.items.forEach(function (it, i) {
        if (attempt.answers[it.id] !== undefined) Q.recordResult(it.id, result.marks[i], "exam");
      });
      Q.recordExam({ exam: result.exam, seed: result.seed, at: result.at, scaled: result.scaled,
        pass: result.pass, correct: result.correct, scored: result.scored,
        domains: result.domains.map(function (d) {
          return { key: d.key, band: d.band, correct: d.correct, scored: d.scored };
        }) });
      attempt.status = "submitted";
      Q.store.set(LAST_KEY, { attempt: attempt, result: result });
      Q.store.remove(ATTEMPT_KEY);
      results(ctx, attempt, result);
    };

    flag.addEventListener("click", function () {
      var id = attempt.items[attempt.current].id;
      if (attempt.flags[id]) delete attempt.flags[id]; else attempt.flags[id] = true;
      show(attempt.current);
    });
    sheetBtn.addEventListener("click", function () { sheet.hidden = !sheet.hidden; });
    review.addEventListener("click", function () { sheet.hidden = false; sheet.scrollIntoView(); });
    prev.addEventListener("click", function () { show(attempt.current - 1); });
    next.addEventListener("click", function () { show(attempt.current + 1); });

    var last = performance.now();
    var tick = function () {
      var now = performance.now();
      attempt.elapsedMs += now - last;
      last = now;
      var left = attempt.limitMs - attempt.elapsedMs;
      timer.textContent = fmtTime(left) + " left";
      timer.classList.toggle("lx-timer-low", left < 5 * 60000);
      save();
      if (left <= 0) finish(true);
    };
    var tickHandle = window.setInterval(tick, 1000);
    window.addEventListener("pagehide", tick);
    document.addEventListener("visibilitychange", tick);
    show(attempt.current || 0);
    tick();
  }

  function results(ctx, attempt, result) {
    var root = ctx.root;
    document.body.classList.remove("lx-running", "lx-focus");
    var R = window.LablibExamReport;
    root.innerHTML = "";
    var link = window.location.pathname + "?seed=" + result.seed + "&exam=" + result.exam;
    root.appendChild(el("section", { class: "lx-result " + (result.pass ? "lx-pass" : "lx-fail") }, [
      el("p", { class: "lx-scaled", text: String(result.scaled) }),
      el("p", { class: "lx-verdict", text: (result.pass ? "Pass" : "Fail") + " (720 to pass) · " + result.exam }),
      el("p", { text: result.correct + " of " + result.scored + " scored items correct" +
        (result.timedOut ? " · time ran out, the exam was submitted for you" : "") +
        " · time used " + fmtTime(result.timeUsedMs) }),
    ]));
    var table = el("table", { class: "lx-domains" });
    table.appendChild(el("thead", {}, [el("tr", {}, ["Domain", "Weight", "Correct", "Percent", "Result"].map(function (h) {
      return el("th", { text: h });
    }))]));
    var tbody = el("tbody");
    result.domains.forEach(function (d) {
      tbody.appendChild(el("tr", { class: d.band === "meets" ? "lx-meets" : "lx-needs" }, [
        el("td", { text: d.name }), el("td", { text: d.weight + " %" }),
        el("td", { text: d.correct + " / " + d.scored }),
        el("td", { class: "lx-percent", text: R.percent(d.correct, d.scored) }), el("td", { class: "lx-band", text: d.bandLabel || BAND_LABELS[d.band] || d.band }),
      ]));
    });
    table.appendChild(tbody);
    root.appendChild(el("h2", { text: "Report by domain" }));
    root.appendChild(el("div", { class: "lx-table-wrap" }, [table]));
    root.appendChild(el("p", {}, [el("a", { href: link, class: "lx-repro", text: "Reproduce this attempt (seed " + result.seed + ")" })]));
    var again = el("button", { type: "button", class: "md-button md-button--primary lx-again", text: "New exam" });
    again.addEventListener("click", function () { window.location.assign(window.location.pathname); });
    root.appendChild(el("p", {}, [again]));
    root.appendChild(el("h2", { text: "Your attempts" }));
    root.appendChild(R.history(Q.loadProgress().exams, ctx.meta));
    root.appendChild(el("h2", { text: "Review your answers" }));
    var reviewed = [];
    var list = el("div", { class: "lx-review-list" });
    attempt.items.forEach(function (item, i) {
      var q = ctx.byId[item.id];
      if (!q) return;
      var body = el("div", { class: "lq-body" });
      var control = Q.renderInputs(body, q, item.order, "lx-r-" + i);
      var response = attempt.answers[item.id];
      if (response !== undefined) control.set(response);
      control.lock();
      Q.showFeedback(body, q, response === undefined ? null : response, result.marks[i]);
      var flagged = !!(attempt.flags && attempt.flags[item.id]);
      var details = el("details", { class: "lx-review-item " + (result.marks[i] ? "lx-ok" : "lx-missed"),
        "data-domain": item.domain, "data-wrong": String(!result.marks[i]), "data-flagged": String(flagged) }, [
        el("summary", { text: (i + 1) + ". " + (result.marks[i] ? "✓" : "✗") + " " + (flagged ? "⚑ " : "") +
          (attempt.answers[item.id] === undefined ? "(not answered) " : "") +
          q.stem.replace(/<[^>]+>/g, "").slice(0, 90) }),
        el("div", { class: "lq-stem", html: q.stem }), body,
      ]);
      reviewed.push(details);
      list.appendChild(details);
    });
    root.appendChild(R.filters(reviewed, ctx.examByCode[attempt.exam]));
    root.appendChild(list);
    // The report opens on the score, not wherever the answer sheet had been scrolled to.
    // Scrolled once the whole report is in place: scrolled earlier, while the page was still
    // short, the browser's scroll anchoring would follow the footer down as the report grew.
    var top = root.getBoundingClientRect().top + window.scrollY - 64;
    window.scrollTo(0, Math.max(0, top));
  }

  window.LablibExam = { quotas: window.LablibDraw.apportion, draw: draw, score: score, scaledScore: scaledScore };

  function init() {
    var root = document.getElementById("lablib-exam");
    if (root) examPage(root);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
