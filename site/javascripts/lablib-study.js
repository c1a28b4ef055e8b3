/* The study loop pages: "Due today" (#lablib-due) and "Progress" (#lablib-progress).
 *
 * Both read this browser's answer history (localStorage lablib.progress.v1, written by every
 * quiz, practice session and exam; see lablib-quiz.js). Due today lists the questions the SM-2
 * schedule brings back now. Progress draws mastery over time as SVG, without libraries:
 * mastery of a group (an exam domain, a concept) on a day = the share of the bank's questions
 * in that group whose latest answer up to the end of that day (UTC) was right. The notebook's
 * lablib.quiz.progress_chart() computes the same from the terminal's SQLite history.
 */
(function () {
  "use strict";

  var Q = window.LablibQuiz;
  var el = Q.el;
  var SVG = "http://www.w3.org/2000/svg";
  var COLORS = ["#d84315", "#3949ab", "#00897b", "#8e24aa", "#f9a825", "#6d4c41", "#1e88e5", "#43a047"];

  function plain(html) {
    var div = document.createElement("div");
    div.innerHTML = html;
    return (div.textContent || "").trim();
  }

  function when(ms) {
    var d = new Date(ms);
    return d.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }

  /* ---- Due today ------------------------------------------------------------------------ */
  function duePage(root) {
    Q.loadBank().then(function (bank) {
      var byId = {};
      bank.questions.forEach(function (q) { byId[q.id] = q; });
      var progress = Q.loadProgress();
      var now = Date.now();
      var cards = Q.dueCards(progress, now);
      root.innerHTML = "";
      Q.store.problems.forEach(function (p) { root.appendChild(el("p", { class: "lq-notice", text: p })); });
      if (cards.clockBack.length) {
        root.appendChild(el("p", { class: "lq-notice lp-clock", text: "This computer's clock is earlier than " +
          "the time of " + cards.clockBack.length + " of your answers (was the clock changed?). Those " +
          "questions are shown as due now; nothing in your history was changed." }));
      }
      var due = cards.due.filter(function (d) { return byId[d.id]; });
      var gone = cards.due.length - due.length;
      if (gone) {
        root.appendChild(el("p", { class: "lq-notice", text: gone + " due question(s) are no longer in the " +
          "bank and are left out." }));
      }
      root.appendChild(el("p", { class: "ld-count", "data-due": String(due.length),
        text: due.length ? due.length + " question(s) due now." : "Nothing is due now." }));
      if (due.length) {
        var practice = Q.siteUrl("study/practice/") + "?mode=due&review=1&n=0&start=1";
        root.appendChild(el("p", {}, [el("a", { class: "md-button md-button--primary ld-practise",
          href: practice, text: "Practise the " + due.length + " due question(s)" })]));
        var list = el("ol", { class: "ld-list" });
        due.forEach(function (d) {
          var q = byId[d.id];
          var entry = progress.questions[d.id];
          var li = el("li", { class: "ld-item", "data-qid": d.id }, [
            el("span", { class: "ld-stem", text: plain(q.stem).slice(0, 140) }),
            el("span", { class: "ld-meta", text: " (" + q.lab + "; answered " + entry.seen + " time(s), " +
              entry.wrong + " wrong) " }),
          ]);
          var links = Q.studyLinks(q, false);
          if (links) li.appendChild(links);
          list.appendChild(li);
        });
        root.appendChild(list);
      }
      var later = cards.later.filter(function (d) { return byId[d.id]; });
      if (later.length) {
        root.appendChild(el("p", { class: "ld-next", text: "Next review: " + when(later[0].due) + " (" +
          later.length + " question(s) scheduled later)." }));
      } else if (!due.length) {
        root.appendChild(el("p", { class: "ld-next", text: "Questions you answer wrong in a quiz, a " +
          "practice session or the exam are scheduled here." }));
      }
    }).catch(function (err) {
      root.innerHTML = "";
      root.appendChild(el("p", { class: "lq-error", text: "Could not load the due list: " + err.message }));
    });
  }

  /* ---- mastery over time ---------------------------------------------------------------- */
  /* groups: {name: [question ids]}; returns {days: [YYYY-MM-DD], series: {name: [0..1 per day]}} */
  function mastery(log, groups) {
    var entries = log.slice().sort(function (a, b) { return a.t - b.t; });
    var days = [];
    entries.forEach(function (e) {
      var day = new Date(e.t).toISOString().slice(0, 10);
      if (days[days.length - 1] !== day) days.push(day);
    });
    var series = {};
    Object.keys(groups).forEach(function (g) { series[g] = []; });
    var latest = {};
    var i = 0;
    days.forEach(function (day) {
      while (i < entries.length && new Date(entries[i].t).toISOString().slice(0, 10) <= day) {
        latest[entries[i].id] = entries[i].ok;
        i += 1;
      }
      Object.keys(groups).forEach(function (g) {
        var ids = groups[g];
        var right = ids.filter(function (id) { return latest[id] === true; }).length;
        series[g].push(ids.length ? right / ids.length : 0);
      });
    });
    return { days: days, series: series };
  }

  function svg(tag, attrs, children) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }

  /* A line chart of mastery (0-100 %) per day; one line per series. */
  function lineChart(data, labels, title) {
    var W = 640, H = 280, L = 44, R = 12, T = 28, B = 36;
    var names = Object.keys(data.series);
    var n = data.days.length;
    var x = function (i) { return L + (n > 1 ? i * (W - L - R) / (n - 1) : (W - L - R) / 2); };
    var y = function (v) { return T + (1 - v) * (H - T - B); };
    var root = svg("svg", { viewBox: "0 0 " + W + " " + H, class: "lpg-chart", role: "img",
      "aria-label": title, width: "100%", style: "max-width:" + W + "px;height:auto" });
    root.appendChild(svg("title", { text: title }));
    root.appendChild(svg("text", { x: L, y: 16, "font-size": "13", fill: "currentColor", text: title }));
    [0, 0.25, 0.5, 0.75, 1].forEach(function (v) {
      root.appendChild(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#9e9e9e",
        "stroke-width": v === 0 ? "1" : "0.4" }));
      root.appendChild(svg("text", { x: L - 6, y: y(v) + 4, "font-size": "11", "text-anchor": "end",
        fill: "currentColor", text: Math.round(v * 100) + "%" }));
    });
    if (n) {
      root.appendChild(svg("text", { x: x(0), y: H - 12, "font-size": "11", "text-anchor": n > 1 ? "start" : "middle",
        fill: "currentColor", text: data.days[0] }));
      if (n > 1) {
        root.appendChild(svg("text", { x: x(n - 1), y: H - 12, "font-size": "11", "text-anchor": "end",
          fill: "currentColor", text: data.days[n - 1] }));
      }
    }
    names.forEach(function (name, k) {
      var color = COLORS[k % COLORS.length];
      var pts = data.series[name].map(function (v, i) { return x(i) + "," + y(v); }).join(" ");
      var g = svg("g", { class: "lpg-series", "data-series": name });
      if (n > 1) g.appendChild(svg("polyline", { points: pts, fill: "none", stroke: color, "stroke-width": "2" }));
      data.series[name].forEach(function (v, i) {
        g.appendChild(svg("circle", { cx: x(i), cy: y(v), r: "3", fill: color }, [
          svg("title", { text: (labels[name] || name) + ", " + data.days[i] + ": " + Math.round(v * 100) + "%" }),
        ]));
      });
      root.appendChild(g);
    });
    return root;
  }

  function legend(names, labels, data) {
    return el("ul", { class: "lpg-legend" }, names.map(function (name, k) {
      var values = data.series[name];
      var now = values.length ? Math.round(values[values.length - 1] * 100) : 0;
      return el("li", { "data-series": name, "data-mastery": String(now) }, [
        el("span", { style: "display:inline-block;width:.9em;height:.9em;margin-right:.4em;background:" +
          COLORS[k % COLORS.length] }),
        el("span", { text: (labels[name] || name) + ": " + now + " %" }),
      ]);
    }));
  }

  function progressPage(root) {
    Q.loadBank().then(function (bank) {
      var progress = Q.loadProgress();
      root.innerHTML = "";
      Q.store.problems.forEach(function (p) { root.appendChild(el("p", { class: "lq-notice", text: p })); });
      var answered = progress.log.length;
      root.appendChild(el("p", { class: "lpg-count", "data-answers": String(answered),
        text: answered ? answered + " answer(s) recorded in this browser." :
          "No answers recorded yet: take a quiz, a practice session or the exam first." }));
      var examSel = el("select", { class: "lpg-exam" }, bank.meta.exams.map(function (e) {
        return el("option", { value: e.code, text: e.code + " domains" });
      }));
      var labSel = el("select", { class: "lpg-lab" }, bank.meta.labs.map(function (l) {
        return el("option", { value: l.id, text: l.title });
      }));
      var domainBox = el("div", { class: "lpg-domains" });
      var conceptBox = el("div", { class: "lpg-concepts" });
      var drawDomains = function () {
        var exam = bank.meta.exams.filter(function (e) { return e.code === examSel.value; })[0];
        var groups = {};
        var labels = {};
        exam.domains.forEach(function (d) {
          labels[d.key] = d.name;
          groups[d.key] = bank.questions.filter(function (q) { return q.domains.indexOf(d.key) >= 0; })
            .map(function (q) { return q.id; });
        });
        var data = mastery(progress.log, groups);
        domainBox.innerHTML = "";
        domainBox.appendChild(lineChart(data, labels, "Mastery by " + exam.code + " domain"));
        domainBox.appendChild(legend(Object.keys(groups), labels, data));
      };
      var drawConcepts = function () {
        var groups = {};
        bank.questions.filter(function (q) { return q.lab === labSel.value; }).forEach(function (q) {
          q.concepts.forEach(function (c) { (groups[c] = groups[c] || []).push(q.id); });
        });
        var data = mastery(progress.log, groups);
        conceptBox.innerHTML = "";
        conceptBox.appendChild(lineChart(data, {}, "Mastery by concept"));
        conceptBox.appendChild(legend(Object.keys(groups).sort(), {}, data));
      };
      examSel.addEventListener("change", drawDomains);
      labSel.addEventListener("change", drawConcepts);
      root.appendChild(el("h2", { text: "By exam domain" }));
      root.appendChild(el("p", {}, [examSel]));
      root.appendChild(domainBox);
      root.appendChild(el("h2", { text: "By concept" }));
      root.appendChild(el("p", {}, [labSel]));
      root.appendChild(conceptBox);
      // every submitted exam: score and per-domain percentages (lablib-exam-report.js)
      root.appendChild(el("h2", { text: "Exam attempts" }));
      root.appendChild(window.LablibExamReport.history(progress.exams, bank.meta));
      drawDomains();
      drawConcepts();
    }).catch(function (err) {
      root.innerHTML = "";
      root.appendChild(el("p", { class: "lq-error", text: "Could not show progress: " + err.message }));
    });
  }

  window.LablibStudy = { mastery: mastery };

  function init() {
    var due = document.getElementById("lablib-due");
    if (due) duePage(due);
    var prog = document.getElementById("lablib-progress");
    if (prog) progressPage(prog);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
