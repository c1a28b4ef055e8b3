/* Browser quizzes for the study site: shared core (window.LablibQuiz) and the per-lab quiz page.
 *
 * The question bank is quizzes/bank.json, generated at build time from quizzes/*.yaml by the
 * mkdocs hook (lablib/site/hooks.py); stems, options and explanations arrive as HTML.
 * Plain JavaScript, no libraries, nothing loaded from another host. Progress is kept in this
 * browser's localStorage only.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var SITE_ROOT = new URL("../", script ? script.src : window.location.href);
  var BANK_URL = new URL("quizzes/bank.json", SITE_ROOT);
  var PROGRESS_KEY = "lablib.progress.v1";
  var bankPromise = null;

  function loadBank() {
    if (!bankPromise) {
      bankPromise = fetch(BANK_URL.href, { cache: "no-cache" }).then(function (r) {
        if (!r.ok) throw new Error("could not load " + BANK_URL.href + " (HTTP " + r.status + ")");
        return r.json();
      });
    }
    return bankPromise;
  }

  /* Seeded random numbers and shuffle: the shared draw core (lablib-draw.js, loaded first). */
  var rng = window.LablibDraw.rng;
  var shuffle = window.LablibDraw.shuffle;

  function newSeed() {
    return 1 + Math.floor(Math.random() * 2147483646);
  }

  function seedFromUrl() {
    var raw = new URLSearchParams(window.location.search).get("seed");
    if (raw === null) return null;
    var n = parseInt(raw, 10);
    return isFinite(n) && n > 0 ? n : null;
  }

  /* localStorage that survives a corrupt value or a browser that refuses storage. */
  var store = {
    problems: [],
    get: function (key) {
      var raw;
      try {
        raw = window.localStorage.getItem(key);
      } catch (e) {
        return null;
      }
      if (raw === null) return null;
      try {
        return JSON.parse(raw);
      } catch (e) {
        var backup = key + ".corrupt-" + Date.now();
        try {
          window.localStorage.setItem(backup, raw);
          window.localStorage.removeItem(key);
        } catch (e2) { /* keep going without the backup */ }
        store.problems.push("Saved data under " + key + " could not be read; it was kept as " +
          backup + " and a fresh record was started.");
        return null;
      }
    },
    set: function (key, value) {
      try {
        window.localStorage.setItem(key, JSON.stringify(value));
        return true;
      } catch (e) {
        return false;
      }
    },
    remove: function (key) {
      try { window.localStorage.removeItem(key); } catch (e) { /* nothing stored */ }
    },
  };

  /* ---- progress: answer log and spaced repetition --------------------------------------
   * lablib.progress.v1 = { questions: {id: {seen, right, wrong, last, at, source, srs}},
   *                        exams: [...], log: [{id, ok, t}] (the last 5000 answers) }.
   * Scheduling is SM-2 (SuperMemo 2) with one relearning step, the browser's counterpart of
   * the FSRS schedule `lablib quiz due` keeps in SQLite:
   * - a question gets a card the first time it is answered wrong (right answers to questions
   *   never missed are not scheduled);
   * - wrong: repetitions restart at 0, the ease factor is kept, due again in 10 minutes;
   * - right (quality 4): repetitions + 1; interval 1 day, then 6 days, then the previous
   *   interval times the ease factor (2.5 to start, never below 1.3);
   * - a card whose last review lies in the future (the clock was moved back) is due now. */
  var RELEARN_MS = 10 * 60000;
  var DAY_MS = 86400000;
  var LOG_MAX = 5000;

  function sm2(card, correct, now) {
    var c = card || { reps: 0, ef: 2.5, interval: 0 };
    var q = correct ? 4 : 2;
    var next = { reps: c.reps, ef: c.ef, interval: c.interval, last: now };
    if (q < 3) {
      next.reps = 0;
      next.interval = 0;
      next.due = now + RELEARN_MS;
      return next;
    }
    next.reps = c.reps + 1;
    next.interval = next.reps === 1 ? 1 : next.reps === 2 ? 6 : Math.round(c.interval * c.ef);
    next.ef = Math.max(1.3, c.ef + (0.1 - (5 - q) * (0.08 + (5 - q) * 0.02)));
    next.due = now + next.interval * DAY_MS;
    return next;
  }

  function isObject(x) {
    return x !== null && typeof x === "object" && !Array.isArray(x);
  }

  /* The progress record, repaired if its shape is wrong (the original is kept aside). */
  function loadProgress() {
    var p = store.get(PROGRESS_KEY);
    if (p !== null && (!isObject(p) || !isObject(p.questions))) {
      var backup = PROGRESS_KEY + ".unreadable-" + Date.now();
      store.set(backup, p);
      store.problems.push("Your saved progress had an unexpected shape; it was kept as " + backup +
        " and a fresh record was started.");
      p = null;
    }
    p = p || { questions: {} };
    if (!Array.isArray(p.exams)) p.exams = [];
    if (!Array.isArray(p.log)) p.log = [];
    Object.keys(p.questions).forEach(function (id) {
      var e = p.questions[id];
      if (!isObject(e)) { delete p.questions[id]; return; }
      if (e.srs && !(isObject(e.srs) && isFinite(e.srs.due) && isFinite(e.srs.ef))) delete e.srs;
    });
    p.log = p.log.filter(function (x) { return isObject(x) && typeof x.id === "string" && isFinite(x.t); });
    return p;
  }

  function recordResult(id, correct, source, when) {
    var now = when === undefined ? Date.now() : when;
    var progress = loadProgress();
    var entry = progress.questions[id] || { seen: 0, right: 0, wrong: 0 };
    entry.seen += 1;
    if (correct) entry.right += 1; else entry.wrong += 1;
    entry.last = correct ? "right" : "wrong";
    entry.at = new Date(now).toISOString();
    entry.source = source;
    if (entry.srs || !correct) entry.srs = sm2(entry.srs, correct, now);
    progress.questions[id] = entry;
    progress.log.push({ id: id, ok: !!correct, t: now });
    if (progress.log.length > LOG_MAX) progress.log = progress.log.slice(-LOG_MAX);
    store.set(PROGRESS_KEY, progress);
  }

  function recordExam(summary) {
    var progress = loadProgress();
    progress.exams = progress.exams.concat([summary]).slice(-50);
    store.set(PROGRESS_KEY, progress);
  }

  /* Scheduled questions whose time has come, earliest first; `clockBack` lists cards
   * reviewed "in the future" (the clock moved back), which are due at once. */
  function dueCards(progress, now) {
    var due = [];
    var later = [];
    var clockBack = [];
    Object.keys(progress.questions).forEach(function (id) {
      var srs = progress.questions[id].srs;
      if (!srs) return;
      if (srs.last > now + 60000) clockBack.push(id);
      var entry = { id: id, due: srs.due, reps: srs.reps, interval: srs.interval };
      if (srs.due <= now || clockBack.indexOf(id) >= 0) due.push(entry); else later.push(entry);
    });
    var byDue = function (a, b) { return a.due - b.due || (a.id < b.id ? -1 : 1); };
    return { due: due.sort(byDue), later: later.sort(byDue), clockBack: clockBack };
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "html") node.innerHTML = attrs[k];
      else if (k === "text") node.textContent = attrs[k];
      else if (k === "class") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function normText(s) {
    return String(s).trim().toLowerCase().replace(/\s+/g, " ");
  }

  function sameList(a, b) {
    return a.length === b.length && a.every(function (x, i) { return x === b[i]; });
  }

  /* Grading: multiple response is all-or-nothing; no penalty for a wrong answer. */
  function grade(q, response) {
    if (response === null || response === undefined || response === "") return false;
    switch (q.type) {
      case "single": return response === q.answer;
      case "multiple":
        return Array.isArray(response) && sameList(response.slice().sort(), q.answer.slice().sort());
      case "ordering": return Array.isArray(response) && sameList(response, q.answer);
      case "numeric": {
        var n = parseFloat(String(response).replace(",", "."));
        return isFinite(n) && Math.abs(n - q.answer.value) <= q.answer.tolerance + 1e-9;
      }
      case "text":
        return q.answer.some(function (a) { return normText(a) === normText(response); });
      default: return false;
    }
  }

  function isAnswered(q, response) {
    if (response === null || response === undefined) return false;
    if (Array.isArray(response)) return q.type === "ordering" || response.length > 0;
    return String(response).trim() !== "";
  }

  function siteUrl(path) {
    return new URL(path, SITE_ROOT).href;
  }

  /* The study loop: notes section, lab notebook, and the notebook step that shows it run
   * (bank.json "links", generated by lablib/site/bank.py add_study_links). */
  function studyLinks(q, correct) {
    var links = q.links || {};
    var parts = [];
    if (!correct && links.run) {
      parts.push(el("a", { class: "lq-run", href: siteUrl(links.run),
        text: "See it run" + (links.runTitle ? ": " + links.runTitle : " in the lab notebook") }));
    }
    if (links.notes) parts.push(el("a", { class: "lq-notes", href: siteUrl(links.notes), text: "Read the notes" }));
    if (links.notebook && (correct || links.run !== links.notebook)) {
      parts.push(el("a", { class: "lq-notebook", href: siteUrl(links.notebook), text: "Lab notebook" }));
    }
    var p = el("p", { class: "lq-see-it" });
    parts.forEach(function (a, i) {
      if (i) p.appendChild(document.createTextNode(" · "));
      p.appendChild(a);
    });
    return parts.length ? p : null;
  }

  function optionHtml(q, key) {
    for (var i = 0; i < q.options.length; i++) if (q.options[i].key === key) return q.options[i].html;
    return key;
  }

  /* Renders one question into `body`; returns {get(), set(response), lock()}.
   * `order` is the shuffled option keys; `name` makes radio groups unique on the page. */
  function renderInputs(body, q, order, name, onChange) {
    var inputs = [];
    var change = function () { if (onChange) onChange(); };
    if (q.type === "single" || q.type === "multiple") {
      if (q.type === "multiple") {
        body.appendChild(el("p", { class: "lq-hint", text: "Select " + q.answer.length + "." }));
      }
      var list = el("ul", { class: "lq-options" });
      order.forEach(function (key) {
        var input = el("input", { type: q.type === "single" ? "radio" : "checkbox", name: name, value: key });
        input.addEventListener("change", change);
        inputs.push(input);
        var label = el("label", {}, [input, el("span", { class: "lq-option-text", html: optionHtml(q, key) })]);
        list.appendChild(el("li", { class: "lq-option", "data-key": key }, [label]));
      });
      body.appendChild(list);
      return {
        get: function () {
          var chosen = inputs.filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
          return q.type === "single" ? (chosen[0] || null) : chosen;
        },
        set: function (r) {
          inputs.forEach(function (i) {
            i.checked = q.type === "single" ? i.value === r : Array.isArray(r) && r.indexOf(i.value) >= 0;
          });
        },
        lock: function () { inputs.forEach(function (i) { i.disabled = true; }); },
      };
    }
    if (q.type === "ordering") {
      body.appendChild(el("p", { class: "lq-hint", text: "Put the steps in order (first at the top)." }));
      var ol = el("ol", { class: "lq-ordering" });
      var current = order.slice();
      var locked = false;
      var draw = function () {
        ol.innerHTML = "";
        current.forEach(function (key, idx) {
          var up = el("button", { type: "button", class: "lq-move", "aria-label": "Move up", text: "↑" });
          var down = el("button", { type: "button", class: "lq-move", "aria-label": "Move down", text: "↓" });
          up.disabled = locked || idx === 0;
          down.disabled = locked || idx === current.length - 1;
          up.addEventListener("click", function () { move(idx, -1); });
          down.addEventListener("click", function () { move(idx, 1); });
          ol.appendChild(el("li", { class: "lq-option", "data-key": key }, [
            el("span", { class: "lq-option-text", html: optionHtml(q, key) }),
            el("span", { class: "lq-move-buttons" }, [up, down]),
          ]));
        });
      };
      var move = function (idx, delta) {
        var j = idx + delta;
        var tmp = current[idx];
        current[idx] = current[j];
        current[j] = tmp;
        draw();
        change();
      };
      draw();
      body.appendChild(ol);
      return {
        get: function () { return current.slice(); },
        set: function (r) { if (Array.isArray(r) && r.length === current.length) { current = r.slice(); draw(); } },
        lock: function () { locked = true; draw(); },
      };
    }
    var field = el("input", {
      type: "text",
      class: "lq-input",
      inputmode: q.type === "numeric" ? "decimal" : "text",
      "aria-label": "Your answer",
      autocomplete: "off",
    });
    field.addEventListener("input", change);
    var row = el("p", { class: "lq-input-row" }, [field]);
    if (q.type === "numeric" && q.answer.unit) row.appendChild(el("span", { class: "lq-unit", text: " " + q.answer.unit }));
    body.appendChild(row);
    return {
      get: function () { return field.value.trim() === "" ? null : field.value.trim(); },
      set: function (r) { field.value = r === null || r === undefined ? "" : String(r); },
      lock: function () { field.disabled = true; },
    };
  }

  function correctAnswerText(q) {
    if (q.type === "numeric") {
      var tol = q.answer.tolerance ? " (± " + q.answer.tolerance + ")" : "";
      return q.answer.value + (q.answer.unit ? " " + q.answer.unit : "") + tol;
    }
    if (q.type === "text") return q.answer.join(" or ");
    return null;
  }

  /* Marks options right/wrong and shows every option's explanation. */
  function showFeedback(body, q, response, correct) {
    var verdict = el("p", { class: "lq-verdict " + (correct ? "lq-right" : "lq-wrong"),
      text: correct ? "Correct." : "Not quite." });
    body.appendChild(verdict);
    var chosen = Array.isArray(response) ? response : [response];
    var wanted = Array.isArray(q.answer) ? q.answer : [q.answer];
    body.querySelectorAll(".lq-option").forEach(function (li) {
      var key = li.getAttribute("data-key");
      if (q.type === "ordering") {
        li.classList.add(q.answer.indexOf(key) === chosen.indexOf(key) ? "lq-is-right" : "lq-is-wrong");
      } else {
        if (wanted.indexOf(key) >= 0) li.classList.add("lq-is-right");
        if (chosen.indexOf(key) >= 0) li.classList.add("lq-chosen");
        if (chosen.indexOf(key) >= 0 && wanted.indexOf(key) < 0) li.classList.add("lq-is-wrong");
      }
      var badges = [];
      if (q.type !== "ordering" && wanted.indexOf(key) >= 0) badges.push("Correct answer");
      if (q.type !== "ordering" && chosen.indexOf(key) >= 0) badges.push("Your answer");
      if (badges.length) li.appendChild(el("span", { class: "lq-badge", text: badges.join(" · ") }));
      if (q.explanations[key]) li.appendChild(el("div", { class: "lq-explanation", html: q.explanations[key] }));
    });
    if (q.type === "ordering" && !correct) {
      body.appendChild(el("p", { class: "lq-answer", html: "Correct order: " +
        q.answer.map(function (k) { return optionHtml(q, k); }).join(" → ") }));
    }
    var text = correctAnswerText(q);
    if (text !== null) body.appendChild(el("p", { class: "lq-answer", text: "Answer: " + text }));
    if (q.explanation) body.appendChild(el("div", { class: "lq-explanation lq-overall", html: q.explanation }));
    var links = studyLinks(q, correct);
    if (links) body.appendChild(links);
  }

  /* ---- the per-lab quiz page ------------------------------------------------------------ */

  function quizPage(root) {
    var lab = root.getAttribute("data-lab");
    var key = "lablib.quiz." + lab + ".v1";
    loadBank().then(function (bank) {
      var questions = bank.questions.filter(function (q) { return q.lab === lab; });
      root.innerHTML = "";
      if (!questions.length) {
        root.appendChild(el("p", { class: "lq-empty", text: "No questions for this lab yet: they are being written." }));
        return;
      }
      var state = store.get(key);
      var urlSeed = seedFromUrl();
      if (!state || !state.seed || (urlSeed && urlSeed !== state.seed)) {
        state = { seed: urlSeed || newSeed(), answers: {} };
      }
      var byId = {};
      questions.forEach(function (q) { byId[q.id] = q; });
      Object.keys(state.answers).forEach(function (id) { if (!byId[id]) delete state.answers[id]; });
      store.set(key, state);
      store.problems.forEach(function (p) { root.appendChild(el("p", { class: "lq-notice", text: p })); });

      var rand = rng(state.seed);
      var score = el("p", { class: "lq-score", "aria-live": "polite" });
      var reset = el("button", { type: "button", class: "md-button lq-reset", text: "Start over" });
      reset.addEventListener("click", function () {
        store.remove(key);
        window.location.assign(window.location.pathname);
      });
      root.appendChild(el("div", { class: "lq-toolbar" }, [score, reset]));
      var updateScore = function () {
        var ids = Object.keys(state.answers);
        var right = ids.filter(function (id) { return state.answers[id].correct; }).length;
        score.textContent = "Answered " + ids.length + " of " + questions.length + " · correct " + right;
        score.setAttribute("data-answered", String(ids.length));
        score.setAttribute("data-correct", String(right));
      };
      questions.forEach(function (q, idx) {
        var order = q.options.length ? shuffle(q.options.map(function (o) { return o.key; }), rand) : [];
        var body = el("div", { class: "lq-body" });
        var card = el("section", { class: "lq-card", id: "q-" + q.id, "data-qid": q.id }, [
          el("h2", { class: "lq-title", text: "Question " + (idx + 1) }),
          el("div", { class: "lq-stem", html: q.stem }),
          body,
        ]);
        var control = renderInputs(body, q, order, "q-" + q.id);
        var check = el("button", { type: "button", class: "md-button md-button--primary lq-check", text: "Check" });
        var actions = el("p", { class: "lq-actions" }, [check]);
        card.appendChild(actions);
        var finish = function (response, correct) {
          control.set(response);
          control.lock();
          actions.remove();
          showFeedback(body, q, response, correct);
        };
        check.addEventListener("click", function () {
          var response = control.get();
          if (!isAnswered(q, response)) {
            check.textContent = "Choose an answer first";
            return;
          }
          var correct = grade(q, response);
          state.answers[q.id] = { response: response, correct: correct };
          store.set(key, state);
          recordResult(q.id, correct, "quiz");
          finish(response, correct);
          updateScore();
        });
        var saved = state.answers[q.id];
        if (saved) finish(saved.response, saved.correct);
        root.appendChild(card);
      });
      updateScore();
    }).catch(function (err) {
      root.innerHTML = "";
      root.appendChild(el("p", { class: "lq-error", text: "The quiz could not start: " + err.message }));
    });
  }

  window.LablibQuiz = {
    loadBank: loadBank,
    rng: rng,
    shuffle: shuffle,
    newSeed: newSeed,
    seedFromUrl: seedFromUrl,
    store: store,
    el: el,
    grade: grade,
    isAnswered: isAnswered,
    renderInputs: renderInputs,
    showFeedback: showFeedback,
    recordResult: recordResult,
    recordExam: recordExam,
    optionHtml: optionHtml,
    loadProgress: loadProgress,
    sm2: sm2,
    dueCards: dueCards,
    studyLinks: studyLinks,
    siteUrl: siteUrl,
  };

  function init() {
    document.querySelectorAll(".lablib-quiz[data-lab]").forEach(quizPage);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
