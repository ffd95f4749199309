// SPDX-License-Identifier: MIT
// History you can browse: a day, week, month or year of the meter from /api/meters/{id}/history,
// with previous/next, a date picker, "compare with the previous period" and CSV downloads of the
// tables shown. The view lives in the address's hash (#history=month&date=2026-03-01&compare=1
// &meter=...), so that a bookmark or a reload shows the same view.
"use strict";

(() => {
  const PERIODS = ["day", "week", "month", "year"];
  const el = (id) => document.getElementById(id);
  const view = { period: "day", date: null, compare: false, meter: null, charts: [], body: null, loading: 0 };

  const nf = (digits) =>
    new Intl.NumberFormat(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const kwh = (wh) => (wh == null ? "–" : `${nf(2).format(wh / 1000)} kWh`);
  const watts = (w) => (w == null ? "–" : Math.abs(w) >= 1000 ? `${nf(2).format(w / 1000)} kW` : `${nf(0).format(w)} W`);
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  const local = viennaText;

  // ---- the address ----------------------------------------------------------------------------

  function readHash() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    if (!params.has("history")) return false;
    const period = params.get("history");
    view.period = PERIODS.includes(period) ? period : "day";
    view.date = /^\d{4}-\d{2}-\d{2}$/.test(params.get("date") || "") ? params.get("date") : null;
    view.compare = params.get("compare") === "1";
    if (params.get("meter")) view.meter = params.get("meter");
    return true;
  }
  function writeHash() {
    const params = new URLSearchParams({ history: view.period });
    if (view.date) params.set("date", view.date);
    if (view.compare) params.set("compare", "1");
    if (view.meter) params.set("meter", view.meter);
    const hash = `#${params.toString()}`;
    if (location.hash !== hash) history.replaceState(null, "", hash);
  }
  function query(extra = {}) {
    const params = new URLSearchParams({ period: view.period });
    if (view.date) params.set("date", view.date);
    if (view.compare) params.set("compare", "1");
    for (const [k, v] of Object.entries(extra)) params.set(k, v);
    return params.toString();
  }

  // ---- loading --------------------------------------------------------------------------------

  async function meter() {
    if (view.meter) return view.meter;
    const picker = el("meter");
    if (picker && picker.value) return picker.value;
    const wanted = new URLSearchParams(location.search).get("meter");
    if (wanted) return wanted;
    const response = await fetch("api/meters", { cache: "no-store" });
    const body = await response.json();
    return body.meters && body.meters.length ? body.meters[0].meter : null;
  }

  async function load() {
    const ticket = ++view.loading;
    const id = await meter().catch(() => null);
    if (ticket !== view.loading) return;
    const note = el("history-note");
    if (!id) {
      note.textContent = "No meter yet: history appears once readings are stored.";
      note.hidden = false;
      return;
    }
    view.meter = id;
    writeHash();
    el("history-section").setAttribute("aria-busy", "true");
    try {
      const response = await fetch(`api/meters/${encodeURIComponent(id)}/history?${query()}`, { cache: "no-store" });
      const body = await response.json();
      if (ticket !== view.loading) return;
      if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
      view.body = body;
      note.hidden = true;
      show(body);
    } catch (error) {
      note.textContent = `History could not be loaded: ${error.message}`;
      note.hidden = false;
    } finally {
      el("history-section").removeAttribute("aria-busy");
    }
  }

  // ---- showing --------------------------------------------------------------------------------

  function title(v) {
    const start = v.start;
    if (v.period === "day") return local(start, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
    if (v.period === "week") {
      const [year, week] = v.label.split("-W");
      const end = local(v.end - 1, { day: "numeric", month: "short" });
      return `Week ${Number(week)}, ${year} (${local(start, { day: "numeric", month: "short" })} – ${end})`;
    }
    if (v.period === "month") return local(start, { month: "long", year: "numeric" });
    return v.label;
  }
  function previousTitle(v) {
    return v.period === "week" ? `week ${Number(v.label.split("-W")[1])}` : title(v);
  }

  function show(body) {
    const v = body.view;
    el("history-label").textContent = title(v);
    el("history-date").value = v.first_day;
    for (const p of PERIODS) el(`history-${p}`).setAttribute("aria-pressed", String(p === v.period));
    el("history-prev").disabled = v.previous_date == null;
    el("history-next").disabled = v.next_date == null || v.start > body.now;
    el("history-compare").checked = view.compare;
    const soFar = v.intervals.some((i) => i.so_far) ? " (so far)" : "";
    let totals = `import ${kwh(v.total_in_wh)} · export ${kwh(v.total_out_wh)}${soFar}`;
    if (body.previous) {
      const p = body.previous;
      const change = p.total_in_wh > 0 ? ` (${v.total_in_wh >= p.total_in_wh ? "+" : ""}${nf(0).format((100 * (v.total_in_wh - p.total_in_wh)) / p.total_in_wh)} %)` : "";
      totals += ` — ${previousTitle(p)}: import ${kwh(p.total_in_wh)}${change}`;
    }
    el("history-total").textContent = totals;

    for (const chart of view.charts) chart.destroy();
    view.charts = [];
    energyChart(body);
    const day = v.period === "day";
    el("history-curves").hidden = !day;
    if (day) {
      curveChart("history-power", v.power, [
        ["import", "power_in_w", "--in"],
        ["export", "power_out_w", "--out"],
      ], watts, body.previous && body.previous.power, "power_in_w");
      curveChart("history-voltage", v.phases, [
        ["L1", "u1_v", "--in"],
        ["L2", "u2_v", "--out"],
        ["L3", "u3_v", "--warn"],
      ], (x) => `${nf(0).format(x)} V`);
      curveChart("history-current", v.phases, [
        ["L1", "i1_a", "--in"],
        ["L2", "i2_a", "--out"],
        ["L3", "i3_a", "--warn"],
      ], (x) => `${nf(1).format(x)} A`);
    }
    el("history-peaks-card").hidden = v.period !== "month";
    if (v.period === "month") peaks(v.peaks || []);
    links();
  }

  function links() {
    const base = `api/meters/${encodeURIComponent(view.meter)}/history.csv?`;
    const list = el("history-csv");
    list.replaceChildren();
    const add = (text, table, testid) => {
      const a = document.createElement("a");
      a.href = base + query(table ? { table } : {});
      a.textContent = text;
      a.setAttribute("download", "");
      a.dataset.testid = testid;
      list.append(a);
    };
    add("energy CSV", null, "history-csv-energy");
    if (view.period === "day") {
      add("power CSV", "power", "history-csv-power");
      add("phases CSV", "phases", "history-csv-phases");
    }
    if (view.period === "month") add("peaks CSV", "peaks", "history-csv-peaks");
  }

  function peaks(list) {
    const body = el("history-peaks");
    body.replaceChildren();
    if (!list.length) {
      const row = body.insertRow();
      const cell = row.insertCell();
      cell.colSpan = 3;
      cell.textContent = "no quarter-hours stored in this month";
      return;
    }
    for (const p of list) {
      const row = body.insertRow();
      row.insertCell().textContent = local(p.start, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
      row.insertCell().textContent = watts(p.power_w);
      row.insertCell().textContent = `${nf(0).format(p.energy_in_wh)} Wh${p.so_far ? " (so far)" : ""}`;
    }
  }

  function width(node) {
    return Math.max(240, Math.floor(node.getBoundingClientRect().width));
  }
  function axes(format, timeFormat) {
    const axis = { stroke: css("--muted"), grid: { stroke: css("--line"), width: 1 }, ticks: { stroke: css("--line"), width: 1 } };
    return [
      { ...axis, values: (u, splits) => splits.map(timeFormat) },
      { ...axis, size: 70, values: (u, splits) => splits.map(format) },
    ];
  }
  const hourTick = (s) => local(s, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const dayTick = (s) => local(s, { day: "numeric", month: "short" });
  const monthTick = (s) => local(s, { month: "short" });

  function energyChart(body) {
    const v = body.view;
    const node = el("history-energy");
    const x = v.intervals.map((i) => i.start);
    const data = [x, v.intervals.map((i) => i.energy_in_wh), v.intervals.map((i) => i.energy_out_wh)];
    const bars = (align, size) => uPlot.paths.bars({ size: [size, 40], align });
    const series = [
      {},
      { label: "import", stroke: css("--in"), fill: css("--in"), paths: bars(-1, 0.4), points: { show: false } },
      { label: "export", stroke: css("--out"), fill: css("--out"), paths: bars(1, 0.4), points: { show: false } },
    ];
    if (body.previous) {
      const before = body.previous.intervals;
      data.push(x.map((_, i) => (i < before.length ? before[i].energy_in_wh : null)));
      series.push({ label: `import, ${previousTitle(body.previous)}`, stroke: css("--muted"), width: 2, dash: [4, 3], points: { show: true, size: 4 } });
    }
    const step = x.length > 1 ? x[1] - x[0] : 900;
    const wh = v.period === "day" ? (w) => `${nf(0).format(w)} Wh` : (w) => `${nf(w >= 10000 ? 0 : 1).format(w / 1000)} kWh`;
    const tick = v.period === "day" ? hourTick : v.period === "year" ? monthTick : dayTick;
    view.charts.push(
      new uPlot(
        {
          width: width(node),
          height: 240,
          cursor: { drag: { x: false, y: false } },
          tzDate: viennaChartDate,
          scales: {
            x: { time: true, range: (u, min, max) => [min - step / 2, max + step / 2] },
            y: { range: (u, min, max) => [0, Math.max(v.period === "day" ? 10 : 100, (max || 0) * 1.1)] },
          },
          series,
          axes: axes(wh, tick),
        },
        data,
        node,
      ),
    );
    el("history-energy-title").textContent = `Energy per ${v.interval}`;
  }

  function curveChart(id, curve, columns, format, previous, previousColumn) {
    const node = el(id);
    const data = [curve.t, ...columns.map(([, key]) => curve[key])];
    const series = [{}, ...columns.map(([label, , color]) => ({ label, stroke: css(color), width: 1.5, spanGaps: false }))];
    if (previous) {
      data.push(curve.t.map((_, i) => (i < previous.t.length ? previous[previousColumn][i] : null)));
      series.push({ label: "import, previous day", stroke: css("--muted"), width: 1, dash: [4, 3], spanGaps: false });
    }
    view.charts.push(
      new uPlot(
        { width: width(node), height: 200, cursor: { drag: { x: false, y: false } }, tzDate: viennaChartDate, scales: { x: { time: true } }, series, axes: axes(format, hourTick) },
        data,
        node,
      ),
    );
  }

  // ---- controls -------------------------------------------------------------------------------

  function go(changes) {
    Object.assign(view, changes);
    load();
  }
  function start() {
    if (!el("history-section")) return;
    readHash();
    for (const p of PERIODS) el(`history-${p}`).addEventListener("click", () => go({ period: p }));
    el("history-prev").addEventListener("click", () => view.body && go({ date: view.body.view.previous_date }));
    el("history-next").addEventListener("click", () => view.body && go({ date: view.body.view.next_date }));
    el("history-date").addEventListener("change", (event) => event.target.value && go({ date: event.target.value }));
    el("history-compare").addEventListener("change", (event) => go({ compare: event.target.checked }));
    const picker = el("meter");
    if (picker) picker.addEventListener("change", () => go({ meter: picker.value }));
    window.addEventListener("hashchange", () => readHash() && load());
    let timer;
    window.addEventListener("resize", () => {
      clearTimeout(timer);
      timer = setTimeout(() => view.body && show(view.body), 200);
    });
    load();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
