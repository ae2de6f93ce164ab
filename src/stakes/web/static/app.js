// stakes web app: talks to the JSON API. Every text from the server goes through textContent, never HTML parsing.
"use strict";
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function status(text, kind) {
    const box = $("#status");
    box.hidden = !text;
    box.className = "status " + (kind || "info");
    box.textContent = text || "";
  }
  async function api(method, url, body, headers) {
    const init = { method, headers: Object.assign({}, headers || {}) };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) { init.body = JSON.stringify(body); init.headers["Content-Type"] = "application/json"; }
    const res = await fetch(url, init);
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (!res.ok) {
      const err = new Error((data && data.detail) || ("HTTP " + res.status));
      err.status = res.status;
      throw err;
    }
    return data;
  }
  const wrap = (tag, child) => { const node = el(tag); node.append(child); return node; };
  const fmt = (x) => (x === null || x === undefined || Number.isNaN(x)) ? "—" : Number(x).toFixed(1);

  // ---- index page --------------------------------------------------------------------------------
  function initIndex() {
    $$("button.builtin").forEach((b) => b.addEventListener("click", async () => {
      try {
        const e = await api("POST", "/api/scenarios/builtin", { name: b.dataset.name });
        location.href = "/s/" + e.id;
      } catch (err) { status(err.message, "error"); }
    }));
    $$("button.open-run-scenario").forEach((b) => b.addEventListener("click", async () => {
      try {
        const e = await api("POST", "/api/runs/" + b.dataset.run + "/scenario");
        location.href = "/s/" + e.id;
      } catch (err) { status(err.message, "error"); }
    }));
    const form = $("#upload-form");
    if (form) form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      status("uploading…");
      try {
        const e = await api("POST", "/api/scenarios/upload", new FormData(form));
        location.href = "/s/" + e.id;
      } catch (err) { status("upload refused: " + err.message, "error"); }
    });
  }

  // ---- scenario page -----------------------------------------------------------------------------
  function initScenario() {
    const body = document.body;
    const sid = body.dataset.sid;
    let saving = Promise.resolve();
    $$("#editor input").forEach((input) => input.addEventListener("change", () => {
      saving = saving.then(() => saveCell(input));
    }));
    async function saveCell(input) {
      const value = input.value === "" ? null : Number(input.value);
      const edit = { version: Number(body.dataset.version), cells: [], actors: [] };
      if (input.dataset.kind === "actor") edit.actors.push({ id: input.dataset.actor, [input.dataset.field]: value });
      else edit.cells.push({ actor: input.dataset.actor, issue: input.dataset.issue, [input.dataset.field]: value });
      try {
        const e = await api("PATCH", "/api/scenarios/" + sid + "/table", edit);
        body.dataset.version = e.version;
        $("#version-label").textContent = "version " + e.version;
        input.classList.remove("bad");
        status("saved (version " + e.version + ")", "ok");
      } catch (err) {
        input.classList.add("bad");
        status((err.status === 409 ? "not saved: " : "not saved: ") + err.message, "error");
      }
    }
    $("#run-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      await saving;
      const f = ev.target;
      const req = {
        kind: f.querySelector("input[name=kind]:checked").value,
        models: $$("input[name=model]:checked", f).map((i) => i.value),
        variants: $$("input[name=variant]:checked", f).map((i) => i.value),
        runs: Number(f.querySelector("input[name=runs]").value || 500),
        version: Number(body.dataset.version),
      };
      try {
        const job = await api("POST", "/api/scenarios/" + sid + "/runs", req);
        follow(job);
      } catch (err) { status("run refused: " + err.message, "error"); }
    });
  }

  function follow(job) {
    const box = $("#job"), buttons = $$("#run-button, #analysis-button");
    box.hidden = false;
    buttons.forEach((b) => { b.disabled = true; });
    status("");
    const cancel = $("#job-cancel");
    cancel.onclick = () => api("DELETE", "/api/jobs/" + job.id).catch(() => {});
    const tick = async () => {
      let j;
      try { j = await api("GET", "/api/jobs/" + job.id); } catch (err) { status(err.message, "error"); return; }
      $("#job-progress").value = j.progress;
      $("#job-message").textContent = j.status + ": " + j.message;
      if (["queued", "running"].includes(j.status)) { setTimeout(tick, 300); return; }
      buttons.forEach((b) => { b.disabled = false; });
      box.hidden = true;
      if (j.status === "done") { status("run " + j.run_id + " finished", "ok"); showRun(j.run_id); }
      else status(j.status + ": " + j.message + (j.error ? " — " + j.error.split("\n")[0] : ""), "error");
    };
    tick();
  }

  // ---- results -----------------------------------------------------------------------------------
  async function showRun(runId) {
    const host = $("#results");
    host.dataset.run = runId;
    host.replaceChildren(el("p", {}, "loading run " + runId + "…"));
    let run;
    try { run = await api("GET", "/api/runs/" + runId); } catch (err) { host.replaceChildren(el("p", { class: "error" }, err.message)); return; }
    const parts = [el("h2", {}, "Results of run " + run.id)];
    const links = el("p", { class: "downloads" });
    for (const [label, href] of [["results CSV", "results.csv"], ["results Parquet", "results.parquet"],
      ["HTML report", "report.html?download=true"]]) {
      const a = el("a", { href: "/api/runs/" + run.id + "/" + href, download: "" }, label);
      a.id = "dl-" + href.split(".")[1].split("?")[0];
      links.append(a, " ");
    }
    links.append(el("a", { href: "/runs/" + run.id }, "permalink"), " ", el("a", { href: "/compare?a=" + encodeURIComponent(run.id) }, "compare…"));
    parts.push(links);
    if (run.kind === "forecast") {
      parts.push(resultTable(run));
      for (const issue of run.issues) parts.push(issueChart(run, issue));
      parts.push(...trajectoryCharts(run));
      if (run.verdicts.length) parts.push(verdictTable(run));
    } else if (run.kind !== "simulation") {
      parts.push(...window.stakesAnalyses.parts(run, { el, svg, wrap, genericTable, COLORS }));
    } else {
      parts.push(genericTable(run.results));
      for (const issue of run.issues) parts.push(intervalChart(run, issue));
      if (run.verdicts.length) parts.push(el("h3", {}, "Theses: probability they hold"), genericTable(run.verdicts));
    }
    const open = el("button", { type: "button", id: "open-scenario" }, "Open this run's scenario for editing");
    open.addEventListener("click", async () => {
      try { const e = await api("POST", "/api/runs/" + run.id + "/scenario"); location.href = "/s/" + e.id; }
      catch (err) { status(err.message, "error"); }
    });
    parts.push(wrap("p", open));
    host.replaceChildren(...parts);
  }

  function resultTable(run) {
    const t = el("table", { class: "grid", id: "forecast-table" });
    const head = el("tr");
    head.append(el("th", {}, "issue"), el("th", {}, "model"));
    run.variants.forEach((v) => head.append(el("th", {}, v)));
    t.append(wrap("thead", head));
    const tb = el("tbody");
    for (const issue of run.issues) for (const model of run.models) {
      const tr = el("tr");
      tr.append(el("td", {}, issue.name), el("td", {}, model));
      for (const v of run.variants) {
        const row = run.results.find((r) => r.issue === issue.id && r.model === model && r.variant === v);
        const td = el("td", { class: "num", "data-issue": issue.id, "data-model": model, "data-variant": v },
          fmt(row && row.value));
        tr.append(td);
      }
      tb.append(tr);
    }
    t.append(tb);
    return t;
  }

  const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];

  function scaleAxis(s, issue, x, W, R, L, title) {
    s.append(svg("text", { x: 6, y: 13, class: "ct" }, title));
    s.append(svg("line", { x1: L, x2: W - R, y1: 36, y2: 36, class: "axis" }));
    s.append(svg("text", { x: L, y: 30, class: "tick" }, issue.scale_min),
      svg("text", { x: W - R, y: 30, class: "tick", "text-anchor": "end" }, issue.scale_max));
    for (const an of issue.anchors) {
      const tick = svg("line", { x1: x(an.value), x2: x(an.value), y1: 32, y2: 40, class: "axis" });
      tick.append(svg("title", {}, `${an.value} = ${an.label}`));
      s.append(tick);
    }
  }

  // each label (width estimated at 0.62 em a character, as report/labels.py) on the first free level
  function packLevels(spans) {
    const ends = [];
    return spans.map(([left, right]) => {
      let k = ends.findIndex((end) => left >= end + 3);
      if (k < 0) k = ends.push(0) - 1;
      return (ends[k] = right, k);
    });
  }

  function issueChart(run, issue) {
    const W = 760, L = 250, R = 20, ALBL = 10, LEVEL = 14;
    const x = (v) => L + (W - L - R) * (v - issue.scale_min) / (issue.scale_max - issue.scale_min);
    const stances = (run.stances || []).filter((st) => st.issue === issue.id).sort((p, q) => p.position - q.position);
    const levels = packLevels(stances.map((st) => {
      const half = String(st.actor).length * 0.62 * ALBL / 2;
      return [x(st.position) - half, x(st.position) + half];
    }));
    const extra = LEVEL * Math.max(0, Math.max(-1, ...levels) - 1);  // two levels fit the original layout
    const H = 90 + extra + 18 * run.models.length * run.variants.length;
    const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img" });
    s.append(svg("title", {}, "Forecasts on " + issue.name));
    scaleAxis(s, issue, x, W, R, L, issue.name + " — actors (size = salience) and forecasts");
    stances.forEach((st, i) => {
      const mark = svg("circle", { cx: x(st.position), cy: 36, r: 3 + 4 * st.salience / 100, class: "actor" });
      mark.append(svg("title", {}, `${st.actor}: position ${st.position}, salience ${st.salience}`));
      s.append(mark, svg("text", { x: x(st.position), y: 53 + LEVEL * levels[i], class: "albl", "text-anchor": "middle" }, st.actor));
    });
    let y = 88 + extra, k = 0;
    for (const v of run.variants) for (const m of run.models) {
      const row = run.results.find((r) => r.issue === issue.id && r.model === m && r.variant === v);
      const c = COLORS[k++ % COLORS.length];
      if (row && row.value !== null) {
        s.append(svg("line", { x1: L, x2: W - R, y1: y - 4, y2: y - 4, class: "guide" }));
        s.append(svg("circle", { cx: x(row.value), cy: y - 4, r: 5, fill: c }));
        s.append(svg("text", { x: 6, y, class: "lbl", fill: c }, `${v} · ${m}: ${fmt(row.value)}`));
      }
      y += 18;
    }
    const fig = el("figure", { class: "chart" });
    fig.append(s);
    return fig;
  }

  function intervalChart(run, issue) {
    // Monte Carlo: the 5–95 % range of the forecast (line) and its mean (dot), per variant × model
    const rows = run.results.filter((r) => r.issue === issue.id);
    const W = 760, H = 64 + 18 * rows.length, L = 250, R = 20;
    const x = (v) => L + (W - L - R) * (v - issue.scale_min) / (issue.scale_max - issue.scale_min);
    const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img" });
    scaleAxis(s, issue, x, W, R, L, issue.name + ": 5–95 % range and mean");
    rows.forEach((r, k) => {
      const y = 62 + 18 * k, c = COLORS[k % COLORS.length];
      s.append(svg("line", { x1: x(r.q05), x2: x(r.q95), y1: y - 4, y2: y - 4, stroke: c, "stroke-width": 3 }));
      s.append(svg("circle", { cx: x(r.mean), cy: y - 4, r: 4, fill: c }));
      s.append(svg("text", { x: 6, y, class: "lbl", fill: c }, `${r.variant} · ${r.model}: ${fmt(r.mean)} [${fmt(r.q05)}, ${fmt(r.q95)}]`));
    });
    const fig = el("figure", { class: "chart" });
    fig.append(s);
    return fig;
  }

  function trajectoryCharts(run) {
    const out = [];
    const traj = run.trajectories;
    if (!traj.length) return out;
    const first = traj[0];
    for (const issue of run.issues) {
      const rows = traj.filter((r) => r.issue === issue.id && r.variant === first.variant && r.model === first.model);
      if (!rows.length) continue;
      const T = Math.max(...rows.map((r) => r.round));
      const W = 760, H0 = 230, L = 40, R = 120, TOP = 24, B = 34, LINE = 15;
      const x = (t) => L + (W - L - R) * (T ? t / T : 0);
      const y = (v) => TOP + (H0 - TOP - B) * (1 - (v - issue.scale_min) / (issue.scale_max - issue.scale_min));
      const s = svg("svg", { class: "chart", role: "img" });
      s.append(svg("text", { x: L, y: 14, class: "ct" }, `${issue.name}: positions by round (${first.model}, ${first.variant})`));
      s.append(svg("line", { x1: L, x2: L, y1: TOP, y2: H0 - B, class: "axis" }), svg("line", { x1: L, x2: W - R, y1: H0 - B, y2: H0 - B, class: "axis" }));
      s.append(svg("text", { x: L - 4, y: y(issue.scale_max) + 4, class: "tick", "text-anchor": "end" }, issue.scale_max),
        svg("text", { x: L - 4, y: y(issue.scale_min) + 4, class: "tick", "text-anchor": "end" }, issue.scale_min),
        svg("text", { x: L + (W - L - R) / 2, y: H0 - B + 28, class: "tick", "text-anchor": "middle" }, "round"));
      // every round labelled, or every k-th one when they would not fit (about 30 units a label)
      const step = Math.max(1, Math.ceil(T / Math.floor((W - L - R) / 30)));
      for (let t = 0; t <= T; t += step) s.append(svg("line", { x1: x(t), x2: x(t), y1: H0 - B, y2: H0 - B + 4, class: "axis" }),
        svg("text", { x: x(t), y: H0 - B + 14, class: "tick", "text-anchor": "middle" }, t));
      const actors = [...new Set(rows.map((r) => r.actor))];
      const ends = [];
      actors.forEach((a, i) => {
        const pts = rows.filter((r) => r.actor === a).sort((p, q) => p.round - q.round);
        const d = pts.map((p, j) => (j ? "L" : "M") + x(p.round).toFixed(1) + " " + y(p.position).toFixed(1)).join(" ");
        const c = COLORS[i % COLORS.length];
        s.append(svg("path", { d, stroke: c, fill: "none", "stroke-width": 1.5 }));
        const last = pts[pts.length - 1];
        ends.push({ a, c, y: y(last.position) + 4 });
      });
      // names at the lines' ends, pushed apart so that none overlaps the one above it
      ends.sort((p, q) => p.y - q.y);
      ends.forEach((e, k) => { if (k) e.y = Math.max(e.y, ends[k - 1].y + LINE); });
      for (const e of ends) s.append(svg("text", { x: W - R + 4, y: e.y, class: "lbl", fill: e.c }, e.a));
      const H = Math.max(H0, ends.length ? ends[ends.length - 1].y + 6 : 0);
      s.setAttribute("viewBox", `0 0 ${W} ${H}`);
      const fig = el("figure", { class: "chart" });
      fig.append(s);
      out.push(fig);
    }
    return out;
  }

  function verdictTable(run) {
    const t = el("table", { class: "grid", id: "verdicts" });
    const head = el("tr");
    ["thesis", "variant", "model", "holds", "detail"].forEach((h) => head.append(el("th", {}, h)));
    t.append(wrap("thead", head));
    const tb = el("tbody");
    for (const v of run.verdicts) {
      const tr = el("tr");
      [v.thesis, v.variant, v.model, v.holds === null ? "n/a" : (v.holds ? "yes" : "no"), v.detail]
        .forEach((c) => tr.append(el("td", {}, c)));
      tb.append(tr);
    }
    t.append(tb);
    return t;
  }

  function genericTable(rows) {
    const t = el("table", { class: "grid" });
    if (!rows.length) return el("p", {}, "no rows");
    const cols = Object.keys(rows[0]);
    const head = el("tr");
    cols.forEach((c) => head.append(el("th", {}, c)));
    t.append(wrap("thead", head));
    const tb = el("tbody");
    rows.slice(0, 500).forEach((r) => {
      const tr = el("tr");
      cols.forEach((c) => tr.append(el("td", {},
        typeof r[c] === "number" && !Number.isInteger(r[c]) ? Number(r[c]).toFixed(3) : r[c])));
      tb.append(tr);
    });
    t.append(tb);
    return t;
  }

  // ---- compare page ------------------------------------------------------------------------------
  function initCompare() {
    const form = $("#compare-form");
    for (const side of ["a", "b"]) {
      const runSel = form.querySelector(`select[name=${side}]`);
      const varSel = form.querySelector(`select[name=variant_${side}]`);
      const fill = () => {
        const opt = runSel.selectedOptions[0];
        varSel.replaceChildren(...(opt ? opt.dataset.variants.split(",") : []).map((v) => el("option", { value: v }, v)));
      };
      runSel.addEventListener("change", fill);
      if (side === "a") {  // ?a=RUN (the run page's "compare…" link), else the newest run
        const wanted = new URLSearchParams(location.search).get("a");
        const k = [...runSel.options].findIndex((o) => o.value === wanted);
        if (k >= 0) runSel.selectedIndex = k;
      } else {  // B: the run before A of the same scenario, else simply the run before A
        const a = form.querySelector("select[name=a]"), from = a.selectedIndex + 1;
        const same = a.selectedOptions[0] && a.selectedOptions[0].dataset.scenario;
        const k = [...runSel.options].findIndex((o, i) => i >= from && o.dataset.scenario === same);
        if (k >= 0 || from < runSel.options.length) runSel.selectedIndex = k >= 0 ? k : from;
      }
      fill();
    }
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const q = new URLSearchParams(new FormData(form));
      try {
        const c = await api("GET", "/api/compare?" + q.toString());
        const t = el("table", { class: "grid", id: "compare-table" });
        const head = el("tr");
        ["model", "issue", `A: ${c.a} · ${c.variant_a}`, `B: ${c.b} · ${c.variant_b}`, "B − A"].forEach((h) => head.append(el("th", {}, h)));
        t.append(wrap("thead", head));
        const tb = el("tbody");
        c.rows.forEach((r) => {
          const tr = el("tr");
          [r.model, r.issue, fmt(r.a), fmt(r.b), fmt(r.difference)].forEach((v) => tr.append(el("td", {}, v)));
          tb.append(tr);
        });
        t.append(tb);
        $("#comparison").replaceChildren(t);
      } catch (err) { status(err.message, "error"); }
    });
  }

  window.stakes = { $, $$, el, api, status, follow };
  document.addEventListener("DOMContentLoaded", () => {
    const page = document.body.dataset.page;
    if (page === "index") initIndex();
    if (page === "scenario") initScenario();
    if (page === "compare") initCompare();
    const host = $("#results");
    if (page === "run" && host && host.dataset.run) showRun(host.dataset.run);
  });
})();
