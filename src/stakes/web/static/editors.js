// stakes web app: the scenario page's editors of variants and theses, and its analysis form (alignment,
// sensitivity). Uses the helpers app.js exposes as window.stakes; every server text goes through textContent.
"use strict";
(function () {
  const OPS = ["set_capability", "scale_capability", "set_position", "move_position", "set_salience",
    "scale_salience", "remove_actor", "set_affinity"];
  const NEEDS_ISSUE = ["set_position", "move_position", "set_salience", "scale_salience"];

  function init() {
    const S = window.stakes;
    const body = document.body;
    const sid = body.dataset.sid;
    let scenario = null;
    const load = async () => { scenario = (await S.api("GET", "/api/scenarios/" + sid)).scenario; return scenario; };
    const version = () => Number(body.dataset.version);
    const saved = (e) => {  // the page is rendered by the server: reload it to show the new version
      body.dataset.version = e.version;
      location.reload();
    };
    const refuse = (what) => (err) => S.status(what + " not saved: " + err.message, "error");

    // ---- variants ---------------------------------------------------------------------------------
    const vform = S.$("#variant-form");
    const rows = S.$("#changes tbody");
    let editing = null;  // id of the variant being edited, null for a new one

    function options(select, items, chosen) {
      select.replaceChildren(...items.map(([value, label]) => {
        const o = S.el("option", { value }, label);
        if (value === chosen) o.selected = true;
        return o;
      }));
    }
    function changeRow(change) {
      const c = change || { op: "set_capability", actor: scenario.actors[0].id };
      const tr = S.el("tr", { class: "change" });
      const actors = scenario.actors.map((a) => [a.id, a.id]);
      const op = S.el("select", { name: "op", "aria-label": "change" });
      options(op, OPS.map((o) => [o, o]), c.op);
      const actor = S.el("select", { name: "actor", "aria-label": "actor" });
      options(actor, actors, c.actor);
      const issue = S.el("select", { name: "issue", "aria-label": "issue" });
      options(issue, [["", "(every issue)"], ...scenario.issues.map((i) => [i.id, i.id])], c.issue || "");
      const other = S.el("select", { name: "other", "aria-label": "other actor" });
      options(other, actors, c.other || actors[Math.min(1, actors.length - 1)][0]);
      const value = S.el("input", { name: "value", type: "number", step: "any", class: "num", "aria-label": "value" });
      if (c.value !== undefined && c.value !== null) value.value = c.value;
      const drop = S.el("button", { type: "button", class: "change-remove" }, "Remove");
      drop.addEventListener("click", () => tr.remove());
      const shape = () => {  // show the fields this kind of change uses
        issue.hidden = !NEEDS_ISSUE.includes(op.value);
        other.hidden = op.value !== "set_affinity";
        value.hidden = op.value === "remove_actor";
      };
      op.addEventListener("change", shape);
      shape();
      for (const node of [op, actor, issue, other, value, drop]) { const td = S.el("td"); td.append(node); tr.append(td); }
      rows.append(tr);
    }
    function readChanges() {
      return S.$$("tr.change", rows).map((tr) => {
        const get = (n) => tr.querySelector(`[name=${n}]`).value;
        const c = { op: get("op"), actor: get("actor") };
        if (NEEDS_ISSUE.includes(c.op) && get("issue")) c.issue = get("issue");
        if (c.op === "set_affinity") c.other = get("other");
        if (c.op !== "remove_actor") c.value = get("value") === "" ? null : Number(get("value"));
        return c;
      });
    }
    async function openVariant(id) {
      await load();
      const v = scenario.variants.find((x) => x.id === id) || { id: "", name: "", changes: [] };
      editing = id;
      S.$("#variant-legend").textContent = id ? "Variant " + id : "New variant";
      for (const name of ["id", "name", "description", "base"]) vform.elements[name].value = v[name] || "";
      rows.replaceChildren();
      v.changes.forEach(changeRow);
      if (!id) changeRow();
      vform.hidden = false;
      vform.elements.id.focus();
    }
    S.$("#variant-new").addEventListener("click", () => openVariant(null).catch(refuse("variant")));
    S.$$("button.variant-edit").forEach((b) => b.addEventListener("click", () => openVariant(b.dataset.id).catch(refuse("variant"))));
    S.$("#change-add").addEventListener("click", () => changeRow());
    S.$$("button.variant-delete").forEach((b) => b.addEventListener("click", () =>
      S.api("DELETE", `/api/scenarios/${sid}/variants/${encodeURIComponent(b.dataset.id)}?version=${version()}`)
        .then(saved, refuse("deletion"))));
    vform.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const f = vform.elements;
      const variant = { id: f.id.value.trim(), name: f.name.value.trim(), changes: readChanges() };
      if (f.base.value) variant.base = f.base.value;
      if (f.description.value.trim()) variant.description = f.description.value.trim();
      const req = editing
        ? S.api("PUT", `/api/scenarios/${sid}/variants/${encodeURIComponent(editing)}`, { version: version(), variant })
        : S.api("POST", `/api/scenarios/${sid}/variants`, { version: version(), variant });
      req.then(saved, refuse("variant"));
    });

    // ---- theses -----------------------------------------------------------------------------------
    const tform = S.$("#thesis-form");
    let thesisId = null;
    const shapeThesis = () => S.$$("[data-kinds]", tform).forEach((node) => {
      node.hidden = !node.dataset.kinds.split(" ").includes(tform.elements.kind.value);
    });
    tform.elements.kind.addEventListener("change", shapeThesis);
    async function openThesis(id) {
      await load();
      const t = scenario.theses.find((x) => x.id === id) || { id: "", kind: "threshold", claim: "" };
      thesisId = id;
      S.$("#thesis-legend").textContent = id ? "Thesis " + id : "New thesis";
      const f = tform.elements;
      for (const name of ["id", "kind", "claim", "variant", "quote", "issue", "op", "actor", "other", "model", "with_actor"]) {
        if (t[name] !== undefined && t[name] !== null) f[name].value = t[name];
        else if (f[name].tagName === "INPUT" || name === "variant" || name === "model") f[name].value = "";
      }
      f.value.value = t.value === undefined ? "" : t.value;
      f.same.value = t.same === false ? "false" : "true";
      S.$$("input[name=actors]", tform).forEach((box) => { box.checked = (t.actors || []).includes(box.value); });
      shapeThesis();
      tform.hidden = false;
      f.id.focus();
    }
    S.$("#thesis-new").addEventListener("click", () => openThesis(null).catch(refuse("thesis")));
    S.$$("button.thesis-edit").forEach((b) => b.addEventListener("click", () => openThesis(b.dataset.id).catch(refuse("thesis"))));
    S.$$("button.thesis-delete").forEach((b) => b.addEventListener("click", () =>
      S.api("DELETE", `/api/scenarios/${sid}/theses/${encodeURIComponent(b.dataset.id)}?version=${version()}`)
        .then(saved, refuse("deletion"))));
    tform.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const f = tform.elements;
      const t = { id: f.id.value.trim(), kind: f.kind.value, claim: f.claim.value.trim() };
      if (f.variant.value) t.variant = f.variant.value;
      if (f.quote.value.trim()) t.quote = f.quote.value.trim();
      if (t.kind !== "side") {
        t.issue = f.issue.value;
        if (f.model.value) t.model = f.model.value;
      }
      if (t.kind === "threshold") { t.op = f.op.value; t.value = f.value.value === "" ? null : Number(f.value.value); }
      if (t.kind === "closer") { t.actor = f.actor.value; t.other = f.other.value; }
      if (t.kind === "side") {
        t.actors = S.$$("input[name=actors]:checked", tform).map((box) => box.value);
        t.with_actor = f.with_actor.value;
        t.same = f.same.value === "true";
      }
      const req = thesisId
        ? S.api("PUT", `/api/scenarios/${sid}/theses/${encodeURIComponent(thesisId)}`, { version: version(), thesis: t })
        : S.api("POST", `/api/scenarios/${sid}/theses`, { version: version(), thesis: t });
      req.then(saved, refuse("thesis"));
    });
    S.$$("form.editform button.cancel").forEach((b) => b.addEventListener("click", () => { b.form.hidden = true; }));

    // ---- alignment and sensitivity ------------------------------------------------------------------
    S.$("#analysis-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const f = ev.target;
      const number = (name) => (f.elements[name].value === "" ? null : Number(f.elements[name].value));
      const req = { kind: f.querySelector("input[name=kind]:checked").value, version: version(),
        variants: S.$$("input[name=variant]:checked", f).map((i) => i.value) };
      if (req.kind === "alignment") req.runs = number("runs") || 0;
      else {
        req.model = f.elements.model.value;
        for (const name of ["samples", "position_sd", "salience_sd", "capability_sd"]) {
          if (number(name) !== null) req[name] = number(name);
        }
      }
      try { S.follow(await S.api("POST", `/api/scenarios/${sid}/analyses`, req)); }
      catch (err) { S.status("analysis refused: " + err.message, "error"); }
    });
  }

  document.addEventListener("DOMContentLoaded", () => { if (document.body.dataset.page === "scenario") init(); });
})();
