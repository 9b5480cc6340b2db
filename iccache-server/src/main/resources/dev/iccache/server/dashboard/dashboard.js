// The iccache dashboard: polls /dashboard/api/state every 2 s and draws it (SVG line charts, tables);
// searches and deletes examples through /dashboard/api/ (the admin API's handlers). No dependencies.
"use strict";

const POLL_MS = 2000;
const SVG = "http://www.w3.org/2000/svg";
// Okabe-Ito: distinguishable with colour-blindness, each at least 3:1 against white.
const COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8a6d00", "#56B4E9", "#000000"];
const $ = (id) => document.getElementById(id);

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (className) e.className = className;
  return e;
}

/** A long text shortened to {@code max} characters, whole in the cell's tooltip. */
function clipped(tag, text, max = 280) {
  const s = String(text ?? "");
  const e = el(tag, s.length > max ? `${s.slice(0, max - 1)}…` : s, "text");
  if (s.length > max) e.title = s;
  return e;
}

/** A number with at most {@code digits} decimals, trailing zeros dropped; "–" for none. */
function fmt(v, digits = 3) {
  if (v === null || v === undefined) return "–";
  const s = Number(v).toFixed(digits);
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

/**
 * Draws lines on an SVG (viewBox 480x200): series = [{name, values: [[t, v|null], ...]}], y from
 * yMin to the larger of yMax and the data; optional horizontal line at floor.
 */
function drawChart(svg, legend, series, yMin, yMax, floor) {
  const W = 480, H = 200, L = 44, R = 8, T = 8, B = 22;
  let ts = [], hi = yMax, lo = yMin;
  for (const s of series) for (const [t, v] of s.values) {
    ts.push(t);
    if (v !== null) { hi = Math.max(hi, v); lo = Math.min(lo, v); }
  }
  const t0 = ts.length ? Math.min(...ts) : 0, t1 = ts.length ? Math.max(...ts) : 1;
  const x = (t) => L + (t1 === t0 ? 0 : (t - t0) / (t1 - t0)) * (W - L - R);
  const y = (v) => H - B - (hi === lo ? 0 : (v - lo) / (hi - lo)) * (H - T - B);
  svg.replaceChildren();
  const line = (x1, y1, x2, y2, cls) => {
    const l = document.createElementNS(SVG, "line");
    for (const [k, v] of Object.entries({x1, y1, x2, y2})) l.setAttribute(k, v);
    l.setAttribute("class", cls);
    svg.appendChild(l);
  };
  const text = (x0, y0, s, anchor) => {
    const t = document.createElementNS(SVG, "text");
    t.setAttribute("x", x0); t.setAttribute("y", y0); t.setAttribute("text-anchor", anchor);
    t.textContent = s;
    svg.appendChild(t);
  };
  line(L, T, L, H - B, "axis");
  line(L, H - B, W - R, H - B, "axis");
  text(L - 4, T + 8, fmt(hi, 2), "end");
  text(L - 4, H - B, fmt(lo, 2), "end");
  if (ts.length) {
    text(L, H - 6, new Date(t0).toLocaleTimeString(), "start");
    text(W - R, H - 6, new Date(t1).toLocaleTimeString(), "end");
  }
  if (floor !== undefined) line(L, y(floor), W - R, y(floor), "floor");
  let max = 0, points = 0;
  legend.replaceChildren();
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    let d = "", pen = "M";
    for (const [t, v] of s.values) {
      if (v === null) { pen = "M"; continue; }
      d += `${pen}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      pen = "L";
      max = Math.max(max, v);
      points++;
    }
    const p = document.createElementNS(SVG, "path");
    p.setAttribute("d", d);
    p.setAttribute("class", "series");
    p.setAttribute("stroke", colour);
    const title = document.createElementNS(SVG, "title");
    title.textContent = s.name;
    p.appendChild(title);
    svg.appendChild(p);
    const li = el("li", s.name);
    li.style.setProperty("--swatch", colour);
    legend.appendChild(li);
  });
  // What the browser tests (and anyone curious) read: how much is drawn.
  svg.dataset.points = String(points);
  svg.dataset.max = String(max);
}

function column(points, pick) {
  return points.map((p) => [p.t, pick(p) ?? null]);
}

function keysOf(points, field) {
  const keys = new Set();
  for (const p of points) for (const k of Object.keys(p[field] || {})) keys.add(k);
  return [...keys].sort();
}

function render(state) {
  const pts = state.series;
  drawChart($("chart-routing"), $("legend-routing"), [
    {name: "offload ratio", values: column(pts, (p) => p.offload_ratio)},
    {name: "load EMA", values: column(pts, (p) => p.load_ema)},
    {name: "load bias", values: column(pts, (p) => p.load_bias)},
  ], 0, 1);
  const guard = $("chart-guard");
  drawChart(guard, $("legend-guard"), keysOf(pts, "guard").map((d) => (
    {name: `domain ${d}`, values: column(pts, (p) => p.guard && p.guard[d])})), 0, 1, Number(guard.dataset.floor));
  const models = keysOf(pts, "models");
  drawChart($("chart-requests"), $("legend-requests"), models.map((m) => (
    {name: m, values: column(pts, (p) => p.models[m] && p.models[m].requests_per_second)})), 0, 1);
  drawChart($("chart-latency"), $("legend-latency"), models.map((m) => (
    {name: m, values: column(pts, (p) => p.models[m] && p.models[m].p95)})), 0, 0.1);
  const last = pts.length ? pts[pts.length - 1] : null;
  renderModels(last);
  const used = last ? last.judgments_last_minute : 0;
  const meter = $("judge-meter");
  meter.value = used;
  $("judge-text").textContent = `${fmt(used, 0)} of ${meter.max} judgments`;
  renderDecisions(state.decisions);
  if (state.bank) renderBank(state.bank);
  $("status").textContent = `Updated ${new Date().toLocaleTimeString()}`;
}

function renderModels(last) {
  const body = $("models-table").tBodies[0];
  body.replaceChildren();
  for (const [model, m] of Object.entries(last ? last.models : {})) {
    const tr = el("tr");
    tr.appendChild(el("th", model)).setAttribute("scope", "row");
    for (const [v, d] of [[m.requests_total, 0], [m.errors_total, 0], [m.requests_per_second, 2], [m.p50, 3],
      [m.p95, 3], [m.p99, 3]]) {
      tr.appendChild(el("td", fmt(v, d), "num"));
    }
    body.appendChild(tr);
  }
}

function renderDecisions(decisions) {
  const body = $("decisions").tBodies[0];
  body.replaceChildren();
  for (const d of decisions) {
    const tr = el("tr");
    tr.appendChild(el("td", new Date(d.t).toLocaleTimeString()));
    tr.appendChild(el("td", d.tenant));
    tr.appendChild(el("td", d.request, "text"));
    tr.appendChild(el("td", d.model));
    tr.appendChild(el("td", d.route));
    const chosen = d.selection ? d.selection.candidates.filter((c) => c.verdict === "chosen") : [];
    tr.appendChild(el("td", chosen.length
      ? chosen.map((c) => `${c.id.slice(0, 8)} (sim ${fmt(c.similarity, 2)}, utility ${fmt(c.utility, 2)})`).join("; ")
      : String(d.examples), "text"));
    tr.appendChild(el("td", d.verdict ? `${fmt(d.verdict.score, 2)} vs ${d.verdict.shadow_model}` : "–"));
    const cell = el("td");
    if (d.selection || d.router) {
      const details = el("details");
      details.appendChild(el("summary", "explain"));
      details.appendChild(el("pre", JSON.stringify({router: d.router, selection: d.selection}, null, 1)));
      cell.appendChild(details);
    }
    tr.appendChild(cell);
    body.appendChild(tr);
  }
}

function renderBank(bank) {
  const adm = Object.entries(bank.admissions).map(([k, v]) => `${k} ${v}`).join(", ") || "none";
  const rep = Object.entries(bank.replays).map(([k, v]) => `${k} ${v}`).join(", ") || "none";
  $("bank-counts").textContent = `${bank.count} examples. Since start (all tenants): admissions ${adm}; `
    + `evictions ${bank.evictions}; replays ${rep}.`;
  const box = $("bank-tenants");
  box.replaceChildren();
  for (const t of bank.tenants) {
    const table = el("table");
    table.appendChild(el("caption", `Tenant ${t.tenant}: ${t.count} examples; the most valuable (decayed offloads)`));
    const head = el("tr");
    for (const h of ["Id", "Request", "Value", "Uses", "Replays"]) head.appendChild(el("th", h)).setAttribute("scope", "col");
    table.appendChild(el("thead")).appendChild(head);
    const body = table.appendChild(el("tbody"));
    for (const x of t.top) {
      const tr = el("tr");
      tr.appendChild(el("td", x.id.slice(0, 12)));
      tr.appendChild(clipped("td", x.request));
      tr.appendChild(el("td", fmt(x.value, 3), "num"));
      tr.appendChild(el("td", x.uses, "num"));
      tr.appendChild(el("td", x.replays, "num"));
      body.appendChild(tr);
    }
    box.appendChild(table);
  }
}

async function api(path, options = {}) {
  const res = await fetch(path, {credentials: "same-origin", ...options});
  if (res.status === 401) {
    window.location.assign("/dashboard/login");
    throw new Error("signed out");
  }
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ? body.error.message : `HTTP ${res.status}`);
  return body;
}

async function poll() {
  try {
    render(await api("/dashboard/api/state"));
  } catch (e) {
    $("status").textContent = `Update failed: ${e.message}; retrying`;
  }
  setTimeout(poll, POLL_MS);
}

/** Asks in the confirmation dialog; resolves true when the user confirms. */
function confirmDelete(text) {
  const dialog = $("confirm");
  $("confirm-text").textContent = text;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), {once: true});
  });
}

function message(text) {
  $("bank-message").textContent = text;
}

async function search() {
  const q = $("search-q").value.trim();
  if (!q) return;
  const params = new URLSearchParams({q, k: "10"});
  const tenant = $("search-tenant").value.trim();
  if (tenant) params.set("tenant", tenant);
  const body = $("search-results").tBodies[0];
  try {
    const found = await api(`/dashboard/api/examples/search?${params}`);
    body.replaceChildren();
    for (const r of found.results) {
      const tr = el("tr");
      tr.dataset.id = r.id;
      tr.appendChild(el("td", fmt(r.score, 3), "num"));
      tr.appendChild(el("td", r.tenant));
      const user = (r.request || []).filter((m) => m.role === "user").pop();
      tr.appendChild(clipped("td", user ? (typeof user.content === "string" ? user.content
        : JSON.stringify(user.content)) : ""));
      tr.appendChild(clipped("td", r.response));
      tr.appendChild(el("td", r.model));
      const cell = el("td");
      const button = el("button", "Delete…", "danger");
      button.type = "button";
      button.setAttribute("aria-label", `Delete example ${r.id}`);
      button.addEventListener("click", () => deleteExample(r.id));
      cell.appendChild(button);
      tr.appendChild(cell);
      body.appendChild(tr);
    }
    message(`${found.results.length} found.`);
  } catch (e) {
    message(`Search failed: ${e.message}`);
  }
}

async function deleteExample(id) {
  if (!(await confirmDelete(`Delete example ${id} from the bank? This cannot be undone.`))) return;
  try {
    await api(`/dashboard/api/examples/${encodeURIComponent(id)}`, {method: "DELETE"});
    const row = $("search-results").querySelector(`tr[data-id="${CSS.escape(id)}"]`);
    if (row) row.remove();
    message(`Deleted example ${id}.`);
  } catch (e) {
    message(`Delete failed: ${e.message}`);
  }
}

async function deleteTenant(tenant) {
  if (!(await confirmDelete(`Delete every example of tenant ${tenant}? This cannot be undone.`))) return;
  try {
    const r = await api(`/dashboard/api/tenants/${encodeURIComponent(tenant)}/examples`, {method: "DELETE"});
    message(`Deleted ${r.deleted} examples of tenant ${tenant}.`);
  } catch (e) {
    message(`Delete failed: ${e.message}`);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  if (document.querySelector("main").dataset.bank !== "on") $("bank-section").hidden = true;
  $("search-form").addEventListener("submit", (e) => { e.preventDefault(); search(); });
  $("delete-tenant-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const tenant = $("delete-tenant").value.trim();
    if (tenant) deleteTenant(tenant);
  });
  poll();
});
