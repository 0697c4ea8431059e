// SPDX-License-Identifier: BSD-3-Clause
//
// The rtpproxy web console (docs/console.md). Polls /api/overview and
// /api/sessions once a second, draws the graphs on <canvas>, and creates and
// destroys sessions through the same JSON endpoints when the server says this
// client may write. No framework, no build step: this file is served as it is.
//
// Every value from the server is put in the page as text (textContent), never
// as HTML. The table's rows carry data-session-id / data-name / data-state and
// their cells data-field and data-value (the raw number), for tests and tools.
"use strict";

(function () {
  const POLL_MS = 1000;
  const READ_TIMEOUT_MS = 5000;  // a poll's request given up after this; the next poll tries again
  const WRITE_TIMEOUT_MS = 10000;
  const MAX_ROWS = 1000;   // sessions shown at most
  const MAX_PAGES = 64;    // ListSessions calls per refresh at most
  const HISTORY_S = 300;
  const COLORS = ["#1f77b4", "#2ca02c", "#d62728"];

  const $ = (id) => document.getElementById(id);
  let mayWrite = null;      // unknown until the first overview
  const RATE_POLLS = 5;     // rates over the last 5 polls: smooth, yet recent
  let previous = new Map(); // session id -> [{t, a, b}]: packet counts of the last polls
  let lastOverview = null;

  // ---------------------------------------------------------------- helpers

  function message(text, kind) {
    const m = $("message");
    m.textContent = text;
    m.className = kind;
    m.hidden = !text;
  }

  // An HTTP answer as an Error with the server's own words.
  async function failure(resp) {
    const body = await resp.text();
    let why = body.trim();
    try {
      const j = JSON.parse(body);
      if (j && j.message !== undefined) why = (j.code ? j.code + ": " : "") + j.message;
    } catch (e) { /* plain text (lib/http's own refusals): shown as it is */ }
    const err = new Error("HTTP " + resp.status + ": " + why);
    err.status = resp.status;
    return err;
  }

  // One exchange with a deadline on all of it, the body included: a request
  // that never gets its answer (a lost connection, a stalled proxy) must not
  // hold the polling loop, which waits for each refresh before the next.
  async function exchange(path, init, timeoutMs) {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), timeoutMs);
    try {
      const resp = await fetch(path, Object.assign({}, init, { signal: ctl.signal }));
      if (!resp.ok) throw await failure(resp);
      return await resp.json();
    } catch (e) {
      if (e.name === "AbortError") throw new Error("no answer within " + timeoutMs / 1000 + " s");
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  function getJSON(path) {
    return exchange(path, { cache: "no-store" }, READ_TIMEOUT_MS);
  }

  async function send(method, path, body) {
    const init = { method: method, headers: {} };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    try {
      return await exchange(path, init, WRITE_TIMEOUT_MS);
    } catch (e) {
      if (e.status === undefined) e.message += " (whether it took effect, the list will show)";
      throw e;
    }
  }

  // 1234567 -> "1.23 M"
  function si(v, unit) {
    const a = Math.abs(v);
    const steps = [[1e9, "G"], [1e6, "M"], [1e3, "k"]];
    for (const [f, p] of steps) {
      if (a >= f) return (v / f).toFixed(a / f >= 100 ? 0 : a / f >= 10 ? 1 : 2) + " " + p + unit;
    }
    const text = Number.isInteger(v) ? String(v) : a >= 10 ? v.toFixed(0) : String(parseFloat(v.toFixed(2)));
    return text + (unit ? " " + unit : "");
  }

  function duration(s) {
    s = Number(s);
    const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
    if (d) return d + " d " + h + " h";
    if (h) return h + " h " + m + " min";
    if (m) return m + " min " + (s % 60) + " s";
    return s + " s";
  }

  function endpoint(e) {
    if (!e || !e.address) return "?";
    return (e.address.includes(":") ? "[" + e.address + "]" : e.address) + ":" + e.port;
  }

  function shortEnum(v, prefix) {
    return String(v || "").replace(prefix, "").toLowerCase();
  }

  // "203.0.113.1:20000" or "[2001:db8::1]:20000" -> {address, port}; throws with the field.
  function parseEndpoint(field, text) {
    const t = text.trim();
    const m = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(t) || /^([0-9.]+):(\d{1,5})$/.exec(t);
    if (!m || Number(m[2]) > 65535) {
      throw new Error(field + ": \"" + t + "\" is not ADDRESS:PORT (IPv6 in brackets: [2001:db8::1]:20000)");
    }
    return { address: m[1], port: Number(m[2]) };
  }

  // ---------------------------------------------------------------- graphs

  // One chart: series [{label, values}], times (unix ms) on a fixed 5-minute axis.
  function drawChart(canvas, times, series, unit, fixedMax) {
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const g = canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const left = 56, right = 8, top = 6, bottom = 18;
    const pw = w - left - right, ph = h - top - bottom;
    let max = fixedMax || 0;
    if (!fixedMax) {
      for (const s of series) for (const v of s.values) if (v > max) max = v;
      max = niceCeil(max);
    }
    g.font = "11px system-ui, sans-serif";
    g.strokeStyle = "#e2e2dc";
    g.fillStyle = "#6b6b66";
    g.lineWidth = 1;
    g.textAlign = "right";
    g.textBaseline = "middle";
    for (let i = 0; i <= 4; i++) {
      const y = top + ph - (ph * i) / 4;
      g.beginPath();
      g.moveTo(left, Math.round(y) + 0.5);
      g.lineTo(left + pw, Math.round(y) + 0.5);
      g.stroke();
      g.fillText(si((max * i) / 4, unit), left - 4, y);
    }
    g.textAlign = "center";
    g.textBaseline = "top";
    for (let m = 5; m >= 0; m--) {
      const x = left + pw - (pw * m * 60) / HISTORY_S;
      g.fillText(m ? "-" + m + " min" : "now", Math.min(Math.max(x, left + 14), left + pw - 12), top + ph + 4);
    }
    if (!times.length) return;
    const end = times[times.length - 1];
    series.forEach((s, k) => {
      g.strokeStyle = COLORS[k % COLORS.length];
      g.lineWidth = 1.5;
      g.beginPath();
      let drawing = false;
      for (let i = 0; i < times.length; i++) {
        const age = (end - times[i]) / 1000;
        if (age > HISTORY_S) continue;
        const x = left + pw - (pw * age) / HISTORY_S;
        const y = top + ph - (max > 0 ? (ph * Math.min(s.values[i], max)) / max : 0);
        // A gap of more than 3 s (the proxy was busy or restarted): no line across it.
        if (drawing && times[i] - times[i - 1] > 3000) drawing = false;
        if (drawing) g.lineTo(x, y); else g.moveTo(x, y);
        drawing = true;
      }
      g.stroke();
    });
  }

  function niceCeil(v) {
    if (v <= 0) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const f of [1, 2, 2.5, 5, 10]) if (v <= f * p) return f * p;
    return 10 * p;
  }

  // A card with a title, a canvas and a legend; made once, found again by key.
  function graphCard(container, key, title) {
    let card = container.querySelector('[data-graph="' + key + '"]');
    if (!card) {
      card = document.createElement("div");
      card.className = "graph";
      card.dataset.graph = key;
      const h = document.createElement("h3");
      const c = document.createElement("canvas");
      const l = document.createElement("div");
      l.className = "legend";
      card.append(h, c, l);
      container.append(card);
    }
    card.querySelector("h3").textContent = title;
    return card;
  }

  function legend(card, series, unit) {
    const l = card.querySelector(".legend");
    l.textContent = "";
    series.forEach((s, k) => {
      const sw = document.createElement("span");
      sw.className = "swatch c" + (k % COLORS.length);
      const last = s.values.length ? s.values[s.values.length - 1] : 0;
      l.append(sw, document.createTextNode(s.label + " " + si(last, unit)));
    });
  }

  function drawGraphs(ov) {
    const hist = ov.history || { unix_ms: [], interfaces: [], workers: [] };
    const ifc = $("iface-graphs"), wk = $("worker-graphs");
    for (const hi of hist.interfaces) {
      const info = ov.interfaces[hi.index] || { name: "#" + hi.index };
      const pkts = [
        { label: "rx", values: hi.rx_pps },
        { label: "tx", values: hi.tx_pps },
        { label: "dropped", values: hi.drops_ps },
      ];
      const bits = [
        { label: "rx", values: hi.rx_bps },
        { label: "tx", values: hi.tx_bps },
      ];
      const c1 = graphCard(ifc, "pps-" + hi.index, info.name + " packets/s");
      drawChart(c1.querySelector("canvas"), hist.unix_ms, pkts, "");
      legend(c1, pkts, "");
      const c2 = graphCard(ifc, "bps-" + hi.index, info.name + " bits/s");
      drawChart(c2.querySelector("canvas"), hist.unix_ms, bits, "b");
      legend(c2, bits, "b/s");
    }
    for (const hw of hist.workers) {
      const info = ov.workers[hw.index] || { id: hw.index, lcore: "?" };
      const busy = [{ label: "busy", values: hw.busy_percent }];
      const c = graphCard(wk, "worker-" + hw.index, "worker " + info.id + " (lcore " + info.lcore + ") busy %");
      drawChart(c.querySelector("canvas"), hist.unix_ms, busy, "%", 100);
      legend(c, busy, "%");
    }
  }

  // ---------------------------------------------------------------- overview

  function showWriteState(ov) {
    const allowed = !!ov.may_write;
    if (allowed === mayWrite && $("read-only-reason").textContent === (ov.why_read_only || "")) return;
    mayWrite = allowed;
    $("create-form").hidden = !allowed;
    $("read-only").hidden = allowed;
    $("read-only-reason").textContent = allowed ? "" : ov.why_read_only || "this client may not change sessions";
    document.body.classList.toggle("read-only", !allowed);
    for (const el of document.querySelectorAll(".write-only")) el.hidden = !allowed;
  }

  function showOverview(ov) {
    lastOverview = ov;
    $("version").textContent = "version " + ov.version;
    $("uptime").textContent = "up " + duration(ov.uptime_s);
    $("session-count").textContent = ov.sessions + " / " + ov.max_sessions + " sessions";
    showWriteState(ov);
    drawGraphs(ov);
  }

  // ---------------------------------------------------------------- sessions

  async function listSessions() {
    let token = "", total = 0;
    const sessions = [];
    for (let page = 0; page < MAX_PAGES && sessions.length < MAX_ROWS; page++) {
      const q = "/api/sessions?page_size=1000" + (token ? "&page_token=" + encodeURIComponent(token) : "");
      const r = await getJSON(q);
      total = r.total_sessions;
      for (const s of r.sessions) if (sessions.length < MAX_ROWS) sessions.push(s);
      token = r.next_page_token;
      if (!token) break;
    }
    return { sessions: sessions, total: total };
  }

  function cell(row, field, text, value, numeric) {
    let td = row.querySelector('td[data-field="' + field + '"]');
    if (!td) {
      td = document.createElement("td");
      td.dataset.field = field;
      if (numeric) td.className = "num";
      if (field === "state") td.className = "state";
      row.append(td);
    }
    if (td.textContent !== text) td.textContent = text;
    if (value !== undefined) td.dataset.value = String(value);
    return td;
  }

  function pct(flow) {
    if (!flow) return "-";
    return (100 * Number(flow.loss_rate || 0)).toFixed(2) + "% (" + flow.packets_lost + ")";
  }

  function ms(v, known) {
    return known ? Number(v).toFixed(1) + " ms" : "-";
  }

  function fillRow(row, s, rates) {
    const a = s.a_to_b || {}, b = s.b_to_a || {};
    row.dataset.sessionId = s.session_id;
    row.dataset.name = s.name;
    row.dataset.state = s.state;
    row.className = "state-" + shortEnum(s.state, "SESSION_STATE_");
    cell(row, "id", s.session_id, s.session_id, true);
    cell(row, "name", s.name + (s.is_static ? " (static)" : ""), s.name);
    cell(row, "state", shortEnum(s.state, "SESSION_STATE_") + (s.error ? ": " + s.error : ""), s.state);
    cell(row, "protocol", shortEnum(s.protocol, "PROTOCOL_") + (s.rtcp ? "+rtcp" : ""), s.protocol);
    cell(row, "leg_a", endpoint(s.listen) + " \u2190 " + endpoint(s.source));
    cell(row, "leg_b", endpoint(s.forward) + " \u2192 " + endpoint(s.destination));
    cell(row, "a_packets", Number(a.packets_received || 0).toLocaleString("en"), a.packets_received || 0, true);
    cell(row, "a_rate", rates ? si(rates.a, "pkt/s") : "-", rates ? rates.a.toFixed(1) : "", true);
    cell(row, "b_packets", Number(b.packets_received || 0).toLocaleString("en"), b.packets_received || 0, true);
    cell(row, "b_rate", rates ? si(rates.b, "pkt/s") : "-", rates ? rates.b.toFixed(1) : "", true);
    cell(row, "loss", pct(a) + " / " + pct(b), (a.packets_lost || 0) + "/" + (b.packets_lost || 0), true);
    cell(row, "jitter", ms(a.jitter_ms, a.jitter_ms > 0) + " / " + ms(b.jitter_ms, b.jitter_ms > 0), undefined, true);
    cell(row, "rtt", ms(a.rtt_ms, a.rtt_samples > 0) + " / " + ms(b.rtt_ms, b.rtt_samples > 0), undefined, true);
    let act = row.querySelector('td[data-field="actions"]');
    if (!act) {
      act = cell(row, "actions", "");
      act.classList.add("write-only");
      const btn = document.createElement("button");
      btn.type = "button";
      btn.className = "destroy";
      btn.textContent = "Destroy";
      btn.dataset.action = "destroy";
      btn.addEventListener("click", () => destroyClicked(btn, row));
      act.append(btn);
    }
    act.hidden = !mayWrite;
  }

  function showSessions(list, now) {
    const body = $("sessions-body");
    const seen = new Set();
    const next = new Map();
    for (const s of list.sessions) {
      const id = String(s.session_id);
      const a = Number((s.a_to_b || {}).packets_received || 0);
      const b = Number((s.b_to_a || {}).packets_received || 0);
      const polls = (previous.get(id) || []).concat([{ t: now, a: a, b: b }]).slice(-RATE_POLLS);
      const was = polls[0];
      let rates = null;
      if (polls.length > 1 && now > was.t) {
        const dt = (now - was.t) / 1000;
        rates = { a: Math.max(0, (a - was.a) / dt), b: Math.max(0, (b - was.b) / dt) };
      }
      next.set(id, polls);
      seen.add(id);
      let row = body.querySelector('tr[data-session-id="' + CSS.escape(id) + '"]');
      if (!row) {
        row = document.createElement("tr");
        body.append(row);
      }
      fillRow(row, s, rates);
    }
    for (const row of Array.from(body.rows)) if (!seen.has(row.dataset.sessionId)) row.remove();
    previous = next;
    $("no-sessions").hidden = list.sessions.length > 0;
    $("sessions-shown").textContent =
      list.sessions.length < list.total ? "showing " + list.sessions.length + " of " + list.total : "";
  }

  // ---------------------------------------------------------------- writes

  // Destroy asks for a second click within 4 s: no dialog, no accident.
  async function destroyClicked(btn, row) {
    const id = row.dataset.sessionId;
    if (btn.dataset.armed !== "1") {
      btn.dataset.armed = "1";
      btn.classList.add("armed");
      btn.textContent = "Confirm destroy";
      setTimeout(() => {
        btn.dataset.armed = "";
        btn.classList.remove("armed");
        btn.textContent = "Destroy";
      }, 4000);
      return;
    }
    btn.disabled = true;
    try {
      const r = await send("DELETE", "/api/sessions/" + encodeURIComponent(id));
      const f = (r.final_status || {}).a_to_b || {};
      message("session " + id + " destroyed (" + (f.packets_received || 0) + " packets A\u2192B)", "ok");
      row.remove();
      refresh();
    } catch (e) {
      message("destroy session " + id + ": " + e.message, "error");
      btn.disabled = false;
    }
  }

  function createRequest() {
    const req = {
      listen: parseEndpoint("listen", $("f-listen").value),
      forward: parseEndpoint("forward", $("f-forward").value),
      destination: parseEndpoint("destination", $("f-destination").value),
      protocol: $("f-protocol").value,
      disable_rtcp: !$("f-rtcp").checked,
    };
    if ($("f-source").value.trim()) req.source = parseEndpoint("source", $("f-source").value);
    if ($("f-name").value.trim()) req.name = $("f-name").value.trim();
    return req;
  }

  async function createSubmitted(ev) {
    ev.preventDefault();
    const button = $("create-button");
    let req;
    try {
      req = createRequest();
    } catch (e) {
      message(e.message, "error");
      return;
    }
    button.disabled = true;
    try {
      const r = await send("POST", "/api/sessions", req);
      message("session " + r.session_id + " created: listen " + endpoint(r.listen) +
        ", forward " + endpoint(r.forward), "ok");
      $("create-form").dataset.lastCreated = r.session_id;
      refresh();
    } catch (e) {
      message("create: " + e.message, "error");
    } finally {
      button.disabled = false;
    }
  }

  // ---------------------------------------------------------------- polling

  let timer = null, busy = false;

  async function refresh() {
    if (busy) return;
    busy = true;
    clearTimeout(timer);
    const status = $("status");
    try {
      const ov = await getJSON("/api/overview");
      showOverview(ov);
      const list = await listSessions();
      showSessions(list, performance.now());
      status.textContent = "updated " + new Date().toLocaleTimeString();
      status.classList.remove("stale");
      document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
    } catch (e) {
      status.textContent = "cannot reach the proxy: " + e.message;
      status.classList.add("stale");
    } finally {
      busy = false;
      timer = setTimeout(refresh, POLL_MS);
    }
  }

  window.addEventListener("resize", () => { if (lastOverview) drawGraphs(lastOverview); });
  $("message").addEventListener("click", () => message("", ""));
  $("create-form").addEventListener("submit", createSubmitted);
  refresh();
})();
