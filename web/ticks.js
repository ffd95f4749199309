// SPDX-License-Identifier: MIT
// Axis tick labels for the dashboard's charts: one unit for the whole axis (W or kW, Wh or kWh)
// and as many decimals as the step between ticks needs, so that no two ticks read the same
// ("1 kWh, 1 kWh, 0 kWh" was the integer rounding of 0.5 kWh steps), and "so far" for what is
// not complete yet. Loaded before app.js; plain functions on window.
"use strict";

// The dashboard's days and times are the meter's, Europe/Vienna's (the API's local days are
// Vienna days), whatever time zone the browser is in.
const METER_TIME_ZONE = "Europe/Vienna";

// A UTC instant (epoch seconds) as Vienna local text with Intl `options` (date parts only give a
// date, time parts only a time).
function viennaText(epochS, options) {
  return new Date(epochS * 1000).toLocaleString(undefined, { ...options, timeZone: METER_TIME_ZONE });
}

// True at Vienna local midnight.
function isViennaMidnight(epochS) {
  return viennaText(epochS, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).replace(/\D/g, "") === "0000";
}

// uPlot's `tzDate`: ticks and splits on Vienna hours and midnights.
function viennaChartDate(epochS) {
  return uPlot.tzDate(new Date(epochS * 1000), METER_TIME_ZONE);
}

// Decimals that show `step` (in the displayed unit) exactly: 0.25 -> 2, 0.5 -> 1, 2 -> 0.
function stepDecimals(step) {
  for (let digits = 0; digits < 4; digits++) {
    const scaled = Math.abs(step) * 10 ** digits;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return digits;
  }
  return 4;
}

// Labels for ticks `splits` of a quantity in base units (W, Wh): the kilo unit once the axis
// reaches 1000, else the base unit; decimals from the step between ticks.
function unitTicks(splits, unit) {
  const values = splits.filter((v) => v != null && Number.isFinite(v));
  if (values.length === 0) return splits.map(() => "");
  const top = Math.max(...values.map(Math.abs));
  const kilo = top >= 1000;
  const divisor = kilo ? 1000 : 1;
  const steps = values.slice(1).map((v, i) => Math.abs(v - values[i])).filter((s) => s > 0);
  const step = steps.length ? Math.min(...steps) / divisor : 1;
  const digits = stepDecimals(step);
  const format = new Intl.NumberFormat(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return splits.map((v) => (v == null || !Number.isFinite(v) ? "" : `${format.format(v / divisor)} ${kilo ? "k" : ""}${unit}`));
}

const powerTicks = (splits) => unitTicks(splits, "W");
const energyTicks = (splits) => unitTicks(splits, "Wh");

// "so far" after a value whose interval (a day, a quarter-hour) has not ended or lacks readings.
function soFar(text, complete) {
  return complete ? text : `${text} so far`;
}
