/* The seeded draw shared by the terminal and the browser (window.LablibDraw; module.exports in
 * node). A line-by-line port of lablib/quiz/rng.py and the draws in lablib/quiz/exam.py, so one
 * seed draws the same questions, in the same order, with the same option order, everywhere.
 * tests/quiz/test_draw_js.py runs this file under node and compares it with Python.
 */
(function (root) {
  "use strict";

  /* mulberry32: rand() returns a float in [0, 1). */
  function rng(seed) {
    var a = seed >>> 0;
    return function () {
      a = (a + 0x6d2b79f5) >>> 0;
      var t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /* Fisher-Yates from the end; returns a shuffled copy. */
  function shuffle(items, rand) {
    var out = items.slice();
    for (var i = out.length - 1; i > 0; i--) {
      var j = Math.floor(rand() * (i + 1));
      var tmp = out[i];
      out[i] = out[j];
      out[j] = tmp;
    }
    return out;
  }

  function byId(a, b) { return a.id < b.id ? -1 : a.id > b.id ? 1 : 0; }
  function keysOf(q) { return q.options.map(function (o) { return typeof o === "string" ? o : o.key; }); }

  /* Largest remainder (as exam.apportion); weights: [{key, weight}] in guide order. */
  function apportion(weights, n) {
    var total = weights.reduce(function (s, d) { return s + d.weight; }, 0);
    var exact = weights.map(function (d) { return n * d.weight / total; });
    var counts = exact.map(Math.floor);
    var rest = n - counts.reduce(function (s, x) { return s + x; }, 0);
    exact.map(function (e, i) { return { i: i, k: counts[i] - e }; })
      .sort(function (a, b) { return a.k - b.k || a.i - b.i; })
      .slice(0, rest)
      .forEach(function (x) { counts[x.i] += 1; });
    return counts;
  }

  /* Practice draw (exam.draw_quiz): n questions (all if n is falsy), options shuffled. */
  function drawQuiz(questions, n, seed) {
    var rand = rng(seed);
    var pool = shuffle(questions.slice().sort(byId), rand);
    if (n > 0) pool = pool.slice(0, n);
    return pool.map(function (q) {
      return { id: q.id, domain: q.domains[0], scored: true, order: shuffle(keysOf(q), rand) };
    });
  }

  /* Exam draw (exam.draw_exam). domains: [{key, weight}] of one exam in guide order. Returns
   * {items: [{id, domain, scored, order}], warnings: [...]}; throws when the bank is too small. */
  function drawExam(questions, domains, seed, items, unscored) {
    var rand = rng(seed);
    var keys = domains.map(function (d) { return d.key; });
    var inExam = function (d) { return keys.indexOf(d) >= 0; };
    var pools = {};
    keys.forEach(function (k) { pools[k] = []; });
    questions.slice().sort(byId).forEach(function (q) {
      if (q.type !== "single" && q.type !== "multiple") return;
      var d = q.domains.filter(inExam)[0];
      if (d !== undefined) pools[d].push(q);
    });
    var available = keys.reduce(function (s, k) { return s + pools[k].length; }, 0);
    if (available < items) throw new Error("the bank has " + available + " questions for this exam; an exam needs " + items);
    var examDomains = function (q) { return q.domains.filter(inExam).length; };
    keys.forEach(function (k) {
      pools[k] = shuffle(pools[k], rand).sort(function (a, b) { return examDomains(b) - examDomains(a); });
    });
    var tagged = {};
    keys.forEach(function (k) {
      tagged[k] = keys.reduce(function (s, p) {
        return s + pools[p].filter(function (q) { return q.domains.indexOf(k) >= 0; }).length;
      }, 0);
    });
    var take = function (domain) {
      if (pools[domain].length) return [pools[domain].pop(), domain];
      for (var p = 0; p < keys.length; p++) {
        var pool = pools[keys[p]];
        for (var i = pool.length - 1; i >= 0; i--) {
          if (pool[i].domains.indexOf(domain) >= 0) return [pool.splice(i, 1)[0], domain];
        }
      }
      var largest = keys[0];
      keys.forEach(function (k) { if (pools[k].length > pools[largest].length) largest = k; });
      return [pools[largest].pop(), largest];
    };
    var drawn = [];
    var warnings = [];
    [[items - unscored, true], [unscored, false]].forEach(function (pass) {
      var targets = apportion(domains, pass[0]);
      var order = domains.map(function (d, i) { return { key: d.key, i: i, r: tagged[d.key] / Math.max(d.weight, 1e-9) }; })
        .sort(function (a, b) { return a.r - b.r || a.i - b.i; });
      order.forEach(function (o) {
        for (var n = 0; n < targets[o.i]; n++) {
          var got = take(o.key);
          if (got[1] !== o.key) warnings.push("not enough " + o.key + " questions; used one from " + got[1]);
          drawn.push({ id: got[0].id, domain: got[1], scored: pass[1], order: shuffle(keysOf(got[0]), rand) });
        }
      });
    });
    return { items: shuffle(drawn, rand), warnings: warnings };
  }

  var api = { rng: rng, shuffle: shuffle, apportion: apportion, drawQuiz: drawQuiz, drawExam: drawExam };
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.LablibDraw = api;
})(typeof window !== "undefined" ? window : this);
