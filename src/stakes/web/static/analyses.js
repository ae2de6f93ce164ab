// stakes web app: results of an alignment (landscape theory) and of a sensitivity analysis (Sobol indices).
// app.js's showRun calls parts(run, helpers); every server text goes through textContent.
"use strict";
(function () {
  const num = (x, d) => (x === null || x === undefined || Number.isNaN(x)) ? "—" : Number(x).toFixed(d);

  function table(h, id, head, rows) {
    const t = h.el("table", { class: "grid", id });
    const tr = h.el("tr");
    head.forEach((c) => tr.append(h.el("th", {}, c)));
    t.append(h.wrap("thead", tr));
    const tb = h.el("tbody");
    for (const row of rows) {
      const r = h.el("tr");
      row.forEach((c) => r.append(c instanceof Node ? c : h.el("td", {}, c)));
      tb.append(r);
    }
    t.append(tb);
    return t;
  }

  // ---- alignment -------------------------------------------------------------------------------------
  function alignment(run, h) {
    const parts = [h.el("h3", {}, "Coalitions (landscape theory): side 0 is the side of the first actor")];
    parts.push(table(h, "alignment-summary", ["variant", "engine", "side 0 = side of", "energy", "local minima",
      "runner-up energy", "notes"], run.info.map((s) => [s.variant, s.engine, s.reference, num(s.energy, 4),
      s.local_minima, num(s.runner_up_energy, 4), s.notes || ""])));
    const variants = [...new Set(run.results.map((r) => r.variant))];
    const actors = [...new Set(run.results.map((r) => r.actor))];
    const mc = run.results.some((r) => r.p_side0 !== null && r.p_side0 !== undefined);
    const rows = actors.map((a) => [a, ...variants.map((v) => {
      const r = run.results.find((x) => x.actor === a && x.variant === v);
      if (!r || r.side === null) return h.el("td", { "data-actor": a, "data-variant": v }, "not in this variant");
      const text = "side " + r.side + (mc ? ` · P(side 0) ${num(r.p_side0, 2)}` : "");
      const td = h.el("td", { "data-actor": a, "data-variant": v, class: "side" + r.side }, text);
      td.title = "frustration " + num(r.frustration, 4);
      return td;
    })]);
    parts.push(table(h, "alignment-table", ["actor", ...variants], rows));
    if (run.verdicts.length) {
      parts.push(h.el("h3", {}, "Side theses"));
      parts.push(table(h, "verdicts", ["thesis", "variant", "holds", "probability", "detail"], run.verdicts.map((v) =>
        [v.thesis, v.variant, v.holds === null ? "n/a" : (v.holds ? "yes" : "no"), num(v.probability, 2), v.detail || ""])));
    }
    return parts;
  }

  // ---- sensitivity -----------------------------------------------------------------------------------
  const TOP = 10;

  function driversChart(h, issue, variant, rows) {
    // horizontal bars, largest total index first: ST (light, total share) and S1 (dark, share alone)
    const W = 760, L = 300, R = 30, TOP_Y = 44, ROW = 20, FONT = 11;
    const x = (v) => L + (W - L - R) * Math.max(0, Math.min(1, v));
    const base = TOP_Y + ROW * rows.length;
    const s = h.svg("svg", { viewBox: `0 0 ${W} ${base + 40}`, class: "chart drivers", role: "img" });
    const sd = rows.length ? rows[0].sd : 0;
    s.append(h.svg("title", {}, `What drives the forecast on ${issue.name} (${variant})`));
    s.append(h.svg("text", { x: 6, y: 14, class: "ct" }, `${issue.name} — ${variant}: top drivers (forecast sd ${num(sd, 2)})`));
    s.append(h.svg("rect", { x: L, y: 22, width: 10, height: 8, fill: h.COLORS[0], "fill-opacity": 0.35 }),
      h.svg("text", { x: L + 14, y: 30, class: "tick" }, "ST: total share of the variance"),
      h.svg("rect", { x: L + 250, y: 22, width: 10, height: 8, fill: h.COLORS[0] }),
      h.svg("text", { x: L + 264, y: 30, class: "tick" }, "S1: share alone"));
    for (let t = 0; t <= 5; t++) {  // guides first, so that the bars cover them
      const v = t / 5;
      s.append(h.svg("line", { x1: x(v), x2: x(v), y1: TOP_Y - 2, y2: base + 4, class: t ? "guide" : "axis" }),
        h.svg("text", { x: x(v), y: base + 16, class: "tick", "text-anchor": "middle" }, v.toFixed(1)));
    }
    const chars = Math.floor((L - 12) / (0.62 * FONT));  // label widths estimated as report/labels.py does
    rows.forEach((r, k) => {
      const y = TOP_Y + ROW * k;
      const label = r.input.length > chars ? r.input.slice(0, chars - 1) + "…" : r.input;
      const text = h.svg("text", { x: 6, y: y + 14, class: "lbl" }, label);
      text.append(h.svg("title", {}, `${r.input}: ST ${num(r.ST, 3)} ± ${num(r.ST_conf, 3)}, S1 ${num(r.S1, 3)} ± ${num(r.S1_conf, 3)}`));
      s.append(text);
      s.append(h.svg("rect", { x: L, y: y + 3, width: Math.max(0, x(r.ST) - L), height: 14, fill: h.COLORS[0], "fill-opacity": 0.35 }),
        h.svg("rect", { x: L, y: y + 7, width: Math.max(0, x(r.S1) - L), height: 6, fill: h.COLORS[0] }));
    });
    s.append(h.svg("line", { x1: L, x2: W - R, y1: base, y2: base, class: "axis" }),
      h.svg("line", { x1: L, x2: L, y1: TOP_Y - 2, y2: base + 4, class: "axis" }));
    s.append(h.svg("text", { x: L + (W - L - R) / 2, y: base + 34, class: "tick", "text-anchor": "middle" },
      "Sobol index (share of the forecast's variance)"));
    const fig = h.el("figure", { class: "chart" });
    fig.append(s);
    return fig;
  }

  function sensitivity(run, h) {
    const parts = [h.el("h3", {}, "Sobol indices: which actor's input drives each forecast")];
    parts.push(table(h, "sensitivity-summary", ["variant", "model", "base sample N", "model runs", "seed"],
      run.info.map((s) => [s.variant, s.model, s.samples, s.evaluations, s.seed])));
    const rows = [];
    for (const variant of run.variants) for (const issue of run.issues) {
      const top = run.results.filter((r) => r.variant === variant && r.issue === issue.id)
        .sort((p, q) => q.ST - p.ST).slice(0, TOP);
      if (!top.length) continue;
      if (top[0].sd > 0) parts.push(driversChart(h, issue, variant, top));
      else parts.push(h.el("p", { class: "hint" }, `${issue.name} (${variant}): the forecast does not move; every index is 0.`));
      top.slice(0, 5).forEach((r) => rows.push([variant, issue.name, r.input,
        `${num(r.ST, 2)} ± ${num(r.ST_conf, 2)}`, `${num(r.S1, 2)} ± ${num(r.S1_conf, 2)}`]));
    }
    parts.push(h.el("h3", {}, "Top drivers"));
    parts.push(table(h, "sensitivity-table", ["variant", "issue", "input", "total ST", "first-order S1"], rows));
    return parts;
  }

  window.stakesAnalyses = {
    parts(run, h) {
      if (run.kind === "alignment") return alignment(run, h);
      if (run.kind === "sensitivity") return sensitivity(run, h);
      return [h.genericTable(run.results)];
    },
  };
})();
