/* The exam report's extras (window.LablibExamReport), used by lablib-exam.js:
 * - percent(correct, scored)  a domain's share of correct scored items, "75 %" or "-"
 * - history(exams, meta)      the attempt history table (newest first) with each attempt's
 *                             score, verdict and per-domain percentages; exams come from the
 *                             study record (LablibQuiz.loadProgress().exams)
 * - filters(items, exam)      review filters over the report's answers: by domain, wrong only,
 *                             flagged only; items are the <details> of each answer, with
 *                             data-domain, data-wrong and data-flagged
 */
(function () {
  "use strict";

  var Q = window.LablibQuiz;
  var el = Q.el;

  function percent(correct, scored) {
    return scored ? Math.round(100 * correct / scored) + " %" : "-";
  }

  function history(exams, meta) {
    var byCode = {};
    meta.exams.forEach(function (e) { byCode[e.code] = e; });
    var rows = exams.slice().reverse().filter(function (a) { return byCode[a.exam]; });
    if (!rows.length) return el("p", { class: "lx-history-empty", text: "No attempt submitted yet." });
    var table = el("table", { class: "lx-history" });
    table.appendChild(el("thead", {}, [el("tr", {}, ["When", "Exam", "Score", "Correct", "By domain"]
      .map(function (h) { return el("th", { text: h }); }))]));
    var tbody = el("tbody");
    rows.forEach(function (a) {
      var names = {};
      byCode[a.exam].domains.forEach(function (d) { names[d.key] = d.name; });
      var when = a.at ? new Date(a.at).toLocaleString() : "";
      var domains = (a.domains || []).filter(function (d) { return d.scored !== undefined; })
        .map(function (d) { return (names[d.key] || d.key) + " " + percent(d.correct, d.scored); });
      tbody.appendChild(el("tr", { class: a.pass ? "lx-meets" : "lx-needs" }, [
        el("td", { text: when }), el("td", { text: a.exam }),
        el("td", { class: "lx-history-result", text: a.scaled + (a.pass ? " pass" : " fail") }),
        el("td", { text: a.scored ? a.correct + " / " + a.scored + " (" + percent(a.correct, a.scored) + ")" : "-" }),
        el("td", { text: domains.join(" · ") || "-" }),
      ]));
    });
    table.appendChild(tbody);
    return el("div", { class: "lx-table-wrap" }, [table]);
  }

  function filters(items, exam) {
    var domain = el("select", { class: "lx-filter-domain", "aria-label": "Domain" },
      [el("option", { value: "", text: "All domains" })].concat(exam.domains.map(function (d) {
        return el("option", { value: d.key, text: d.name });
      })));
    var wrong = el("input", { type: "checkbox", class: "lx-filter-wrong" });
    var flagged = el("input", { type: "checkbox", class: "lx-filter-flagged" });
    var count = el("span", { class: "lx-filter-count", role: "status" });
    var apply = function () {
      var shown = 0;
      items.forEach(function (item) {
        var ok = (!domain.value || item.getAttribute("data-domain") === domain.value) &&
          (!wrong.checked || item.getAttribute("data-wrong") === "true") &&
          (!flagged.checked || item.getAttribute("data-flagged") === "true");
        item.hidden = !ok;
        if (ok) shown += 1;
      });
      count.textContent = "Showing " + shown + " of " + items.length;
    };
    [domain, wrong, flagged].forEach(function (c) { c.addEventListener("change", apply); });
    apply();
    return el("div", { class: "lx-filters", role: "group", "aria-label": "Filter the review" }, [
      domain,
      el("label", {}, [wrong, el("span", { text: " Wrong only" })]),
      el("label", {}, [flagged, el("span", { text: " Flagged only" })]),
      count,
    ]);
  }

  window.LablibExamReport = { percent: percent, history: history, filters: filters };
})();
