// SPDX-License-Identifier: MIT
// The dashboard: polls the service's REST API (live values every 5 s, the 24-hour chart every
// minute, daily energy and the monthly peak every 5 minutes) and draws the charts with uPlot.
"use strict";

const LIVE_MS = 5000;
const POWER_MS = 60000;
const SLOW_MS = 300000;

const $ = (id) => document.getElementById(id);
const state = { meter: null, meters: [], charts: {}, lastOk: 0, timers: [], started: false };

const DIAGNOSIS_TEXT = {
  ok: "OK",
  no_signal: "No signal",
  line_noise: "Line noise",
  wrong_key: "Wrong key?",
  stale: "Stale",
};

// ---- formatting -------------------------------------------------------------------------------

const nf = (digits) =>
  new Intl.NumberFormat(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });

function fmtPower(w) {
  if (w == null || Number.isNaN(w)) return "–";
  return Math.abs(w) >= 1000 ? `${nf(2).format(w / 1000)} kW` : `${nf(0).format(w)} W`;
}
function fmtEnergy(wh, digits = 2) {
  if (wh == null || Number.isNaN(wh)) return "–";
  return `${nf(digits).format(wh / 1000)} kWh`;
}
function fmtAge(s) {
  if (s == null || s < 0) return "never";
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}
function fmtUnit(v, unit, digits) {
  return v == null ? "–" : `${nf(digits).format(v)} ${unit}`;
}
function fmtTime(epochS, withDate) {
  const opts = withDate
    ? { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
    : { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  return viennaText(epochS, opts);
}
// 24-hour clock on the time axis; the date at midnight.
function fmtTick(epochS) {
  if (isViennaMidnight(epochS)) return viennaText(epochS, { day: "numeric", month: "short" });
  return viennaText(epochS, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
}
function setText(id, text) {
  const el = $(id);
  if (el && el.textContent !== text) el.textContent = text;
}
function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

// ---- API --------------------------------------------------------------------------------------

async function api(path) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 8000);
  try {
    const response = await fetch(path, { signal: controller.signal, cache: "no-store" });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
    return body;
  } finally {
    clearTimeout(timer);
  }
}
const meterPath = (what) => `api/meters/${encodeURIComponent(state.meter)}/${what}`;

function banner(text, bad) {
  const el = $("banner");
  el.hidden = !text;
  el.textContent = text || "";
  el.classList.toggle("bad", !!bad);
}

// ---- meters -----------------------------------------------------------------------------------

async function loadMeters() {
  const before = state.meter;
  const body = await api("api/meters");
  state.meters = body.meters;
  const select = $("meter");
  const wanted = new URLSearchParams(location.search).get("meter") || localStorage.getItem("meter");
  if (!state.meter || !state.meters.some((m) => m.meter === state.meter)) {
    const pick = state.meters.find((m) => m.meter === wanted || m.meter_number === wanted);
    const live = state.meters.find((m) => m.live);
    state.meter = (pick || live || state.meters[0] || {}).meter || null;
  }
  select.replaceChildren(
    ...state.meters.map((m) => {
      const option = document.createElement("option");
      option.value = m.meter;
      option.textContent = m.meter_number ? `${m.meter_number} (${m.meter})` : m.meter;
      option.selected = m.meter === state.meter;
      return option;
    }),
  );
  select.hidden = state.meters.length < 2;
  const current = state.meters.find((m) => m.meter === state.meter);
  setText("meter-name", current ? `meter ${current.meter_number || current.meter}` : "no meter yet");
  $("meter-name").hidden = !select.hidden && !!current;
  // Other meters that need attention, so that a problem is not hidden behind the selection.
  const troubled = state.meters.filter((m) => m.meter !== state.meter && m.live && m.diagnosis !== "ok");
  const others = $("others");
  others.hidden = troubled.length === 0;
  others.textContent = troubled
    .map((m) => `Meter ${m.meter_number || m.meter}: ${DIAGNOSIS_TEXT[m.diagnosis] || m.diagnosis} (${m.reason})`)
    .join(" · ");
  if (!state.meter) showDiagnosis(body.diagnosis, "Waiting for the first telegram.");
  if (!before && state.meter && state.started) restart();  // the first meter appeared
}

function showDiagnosis(diagnosis, reason) {
  const pill = $("diagnosis");
  pill.className = `pill pill-${diagnosis}`;
  pill.textContent = DIAGNOSIS_TEXT[diagnosis] || diagnosis;
  pill.title = reason || "";
}

// ---- live values ------------------------------------------------------------------------------

async function refreshLive() {
  if (!state.meter) {
    await loadMeters();
    return;
  }
  const [latest, health, status] = await Promise.all([
    api(meterPath("latest")),
    api(meterPath("health")),
    api("api/status"),
  ]);
  state.lastOk = Date.now();
  showLatest(latest);
  showHealth(health, status);
  setText("version", `smartmeter ${status.version}`);
  if (!status.mqtt.connected) banner("The service is not connected to the MQTT broker.", true);
  else if (status.journal.writable === false) {
    banner(`The journal cannot be written (${status.journal.error}): ` +
      `${status.journal.held_telegrams} telegrams held in memory.`, true);
  }
  else if (!status.database.up) banner("The database is not writable: readings wait in the journal.", false);
  else banner("");
}

function showLatest(latest) {
  const reading = latest.reading;
  const v = (reading && reading.values) || {};
  const val = (key) => (v[key] ? v[key].value : null);
  setText("power-in", fmtPower(val("PIn")));
  setText("power-out", fmtPower(val("POut")));
  setText("energy-in-total", fmtEnergy(val("WIn"), 1));
  setText("energy-out-total", fmtEnergy(val("WOut"), 1));
  // The bars compare the phases' load with each other (full width: the most loaded one).
  const widest = Math.max(1, ...[1, 2, 3].map((p) => val(`I${p}`) || 0));
  for (const phase of [1, 2, 3]) {
    setText(`U${phase}`, fmtUnit(val(`U${phase}`), "V", 1));
    setText(`I${phase}`, fmtUnit(val(`I${phase}`), "A", 2));
    const amps = val(`I${phase}`);
    $(`bar${phase}`).style.width = amps == null ? "0" : `${Math.max(2, (amps / widest) * 100)}%`;
  }
  setText("PF", val("PF") == null ? "–" : nf(3).format(val("PF")));
  setText("meter-time", reading && reading.meter_time ? reading.meter_time.replace("T", " ") : "–");
  const today = latest.today;
  setText("today-in", today ? fmtEnergy(today.energy_in_wh) : "–");
  setText("today-out", today ? fmtEnergy(today.energy_out_wh) : "–");
  // The day is not over: what it shows is what came so far.
  setText(
    "today-note",
    today && !today.complete
      ? "so far today, since the first reading today"
      : "so far today: imported · exported since midnight",
  );
  const ageS = reading ? reading.age_s : null;
  setText("updated", reading ? `updated ${fmtAge(ageS)}` : "");
}

function showHealth(health, status) {
  showDiagnosis(health.diagnosis, health.reason);
  setText("health-reason", capitalise(health.reason || ""));
  setText("health-advice", health.diagnosis === "ok" ? "" : health.advice || "");
  setText("age", fmtAge(health.last_telegram_age_s));
  setText("decoded", `${health.decoded} of ${health.received}`);
  setText("gaps", health.frames_missed ? `${health.frame_counter_gaps} (${health.frames_missed} missed)` : `${health.frame_counter_gaps}`);
  setText("replays", `${health.replays}`);
  setText("mqtt", status.mqtt.connected ? "connected" : "disconnected");
  const pending = status.journal.pending_bytes;
  setText("database", status.database.up ? (pending > 65536 ? `up, ${Math.round(pending / 1024)} KiB queued` : "up") : "down");

  // This meter's errors, then those that named no meter (damaged frames, text that is not hex).
  const byCount = (errors) => Object.entries(errors || {}).sort((a, b) => b[1] - a[1]);
  const chip = ([cause, count], unattributed) => {
    const li = document.createElement("li");
    li.dataset.cause = cause;
    if (unattributed) li.className = "unattributed";
    const label = document.createTextNode(`${cause.replaceAll("_", " ")} `);
    const number = document.createElement("b");
    number.textContent = String(count);
    li.append(label, number);
    return li;
  };
  const own = byCount(health.errors).map((e) => chip(e, false));
  const foreign = byCount(status.unattributed.errors).map((e) => chip(e, true));
  const list = $("errors");
  if (own.length + foreign.length === 0) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = "none";
    list.replaceChildren(li);
  } else {
    list.replaceChildren(...own, ...foreign);
  }
  $("unattributed-note").hidden = foreign.length === 0;
}

function capitalise(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

// ---- charts -----------------------------------------------------------------------------------

function axisStyle() {
  const text = cssVar("--muted");
  const grid = cssVar("--line");
  return { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
}

function plotWidth(el) {
  return Math.max(240, Math.floor(el.getBoundingClientRect().width));
}

function makePowerChart(el) {
  const axis = axisStyle();
  return new uPlot(
    {
      width: plotWidth(el),
      height: 260,
      cursor: { drag: { x: false, y: false } },
      tzDate: viennaChartDate,
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(100, max * 1.1)] } },
      series: [
        {},
        { label: "import", stroke: cssVar("--in"), fill: cssVar("--in-soft"), width: 1.6, spanGaps: false },
        { label: "export", stroke: cssVar("--out"), fill: cssVar("--out-soft"), width: 1.6, spanGaps: false },
      ],
      axes: [
        { ...axis, values: (u, splits) => splits.map(fmtTick) },
        { ...axis, size: 64, values: (u, splits) => powerTicks(splits) },
      ],
    },
    [[], [], []],
    el,
  );
}

// The day under the cursor, "so far" when it has not ended or lacks readings.
function dailyLegendDate(v) {
  if (v == null) return "–";
  const text = viennaText(v, { day: "numeric", month: "short" });
  const day = (state.dailyDays || []).find((d) => v >= d.start && v < d.end);
  return day ? soFar(text, day.complete && day.end <= Date.now() / 1000) : text;
}

function makeDailyChart(el) {
  const axis = axisStyle();
  const bars = (align) => uPlot.paths.bars({ size: [0.38, 28], align });
  return new uPlot(
    {
      width: plotWidth(el),
      height: 240,
      cursor: { drag: { x: false, y: false } },
      tzDate: viennaChartDate,
      scales: {
        x: { time: true, range: (u, min, max) => [min - 43200, max + 43200] },  // whole first/last bars
        y: { range: (u, min, max) => [0, Math.max(1000, max * 1.1)] },
      },
      series: [
        { value: (u, v) => dailyLegendDate(v) },
        { label: "import", stroke: cssVar("--in"), fill: cssVar("--in"), paths: bars(-1), points: { show: false } },
        { label: "export", stroke: cssVar("--out"), fill: cssVar("--out"), paths: bars(1), points: { show: false } },
      ],
      axes: [
        {
          ...axis,
          values: (u, splits) =>
            splits.map((s) => viennaText(s, { day: "numeric", month: "short" })),
        },
        { ...axis, size: 72, values: (u, splits) => energyTicks(splits) },
      ],
    },
    [[], [], []],
    el,
  );
}

async function refreshPower() {
  if (!state.meter) return;
  const body = await api(meterPath("power?hours=24"));
  const el = $("chart-power");
  if (!state.charts.power) state.charts.power = makePowerChart(el);
  state.charts.power.setData([body.t, body.power_in_w, body.power_out_w]);
  $("chart-power-empty").hidden = body.samples.some((n) => n > 0);
}

async function refreshSlow() {
  if (!state.meter) return;
  const [daily, peak] = await Promise.all([api(meterPath("daily?days=31")), api(meterPath("peak"))]);
  const el = $("chart-daily");
  if (!state.charts.daily) state.charts.daily = makeDailyChart(el);
  const x = daily.days.map((d) => (d.start + d.end) / 2);
  state.dailyDays = daily.days;
  state.charts.daily.setData([x, daily.days.map((d) => d.energy_in_wh), daily.days.map((d) => d.energy_out_wh)]);
  const nowS = Date.now() / 1000;
  const running = daily.days.some((d) => d.end > nowS);
  setText(
    "daily-total",
    `31 days: ${fmtEnergy(daily.total_in_wh, 1)} imported, ${fmtEnergy(daily.total_out_wh, 1)} exported` +
      (running ? " (today so far)" : ""),
  );

  setText("peak-month", peak.month);
  if (peak.peak) {
    // A quarter-hour still running (or with readings missing) is the peak so far, and says so.
    const complete = peak.peak.complete !== false;
    setText("peak-power", soFar(fmtPower(peak.peak.power_w), complete));
    setText(
      "peak-when",
      `${fmtTime(peak.peak.start, true)}–${fmtTime(peak.peak.end, false)} · ${fmtEnergy(peak.peak.energy_wh, 3)}` +
        (complete ? "" : " · quarter-hour not complete yet"),
    );
  } else {
    setText("peak-power", "–");
    setText("peak-when", "no complete quarter-hour stored this month yet");
  }
}

function resizeCharts() {
  for (const [name, chart] of Object.entries(state.charts)) {
    const el = $(name === "power" ? "chart-power" : "chart-daily");
    chart.setSize({ width: plotWidth(el), height: chart.height });
  }
}

// ---- scheduling -------------------------------------------------------------------------------

function every(ms, task, timers = state.timers) {
  const run = async () => {
    try {
      await task();
    } catch (error) {
      console.warn(`${task.name}: ${error.message}`);
      if (Date.now() - state.lastOk > 2 * LIVE_MS) {
        banner(`The service does not answer (${error.message}); retrying.`, true);
        showDiagnosis("offline", "");
        $("diagnosis").textContent = "Offline";
      }
    }
  };
  run();
  timers.push(setInterval(run, ms));
}

function restart() {
  state.timers.forEach(clearInterval);
  state.timers = [];
  every(LIVE_MS, refreshLive);
  every(POWER_MS, refreshPower);
  every(SLOW_MS, refreshSlow);
}

async function start() {
  $("meter").addEventListener("change", (event) => {
    state.meter = event.target.value;
    localStorage.setItem("meter", state.meter);
    restart();
  });
  if (typeof ResizeObserver !== "undefined") {
    new ResizeObserver(() => resizeCharts()).observe(document.querySelector(".grid"));
  }
  try {
    await loadMeters();
  } catch (error) {
    banner(`The service does not answer (${error.message}); retrying.`, true);
  }
  state.started = true;
  restart();
  setInterval(() => loadMeters().catch(() => {}), 30000);
}

start();
