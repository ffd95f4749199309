// SPDX-License-Identifier: MIT
// The dashboard's cost card (docs/cost.md): cost today, yesterday, this month (with a linear
// estimate of the month's bill) and last month, the import price now and today's price curve,
// and how far our quarter-hours are from the operator's export this month. Uses app.js's
// helpers ($, api, meterPath, state, nf, fmtTick). Hidden while the service has no tariff file.
"use strict";

const COST_MS = 60000;
const cost = { meter: null, at: 0, chart: null };

const eur = (value) =>
  value === null || value === undefined
    ? "–"
    : new Intl.NumberFormat(undefined, { style: "currency", currency: "EUR" }).format(value);
const ctPerKwh = (eurPerKwh) => `${nf(2).format(eurPerKwh * 100)} ct/kWh`;

function costLine(total) {
  if (!total || total.quarterHours === 0) return "–";
  return eur(total.netEur);
}

function showSummary(s) {
  setText("cost-tariff", s.tariff ? `· ${s.tariff}` : "");
  setText("cost-today", costLine(s.today));
  setText("cost-yesterday", costLine(s.yesterday));
  setText("cost-month", costLine(s.thisMonth));
  setText("cost-last-month", costLine(s.lastMonth));
  setText("cost-estimate", s.monthEstimateEur === null ? "–" : `≈ ${eur(s.monthEstimateEur)}`);
  const p = s.priceNow;
  setText("price-now", p ? `${ctPerKwh(p.totalEurPerKwh)}${p.complete ? "" : " (spot price missing)"}` : "no tariff now");
  const m = s.thisMonth;
  setText(
    "cost-split",
    m.quarterHours === 0
      ? "No quarter-hour of this month is priced yet."
      : `This month: energy ${eur(m.energyEur)} · grid ${eur(m.gridEur)} · levies ${eur(m.leviesEur)} · ` +
          `fees ${eur(m.feesEur)} · VAT ${eur(m.vatEur)} · feed-in −${eur(m.feedInEur)}`,
  );
  const incomplete = $("cost-incomplete");
  incomplete.hidden = m.incomplete === 0;
  const parts = [];
  if (m.energyGaps) parts.push(`${m.energyGaps} with gaps in the readings or still open`);
  if (m.missingPrices) parts.push(`${m.missingPrices} without a spot price`);
  if (m.noTariff) parts.push(`${m.noTariff} without a valid tariff`);
  setText("cost-incomplete", `Incomplete: ${m.incomplete} of ${m.quarterHours} quarter-hours (${parts.join(", ")}).`);
}

function makePriceChart(el) {
  const axis = axisStyle();
  return new uPlot(
    {
      width: plotWidth(el),
      height: 180,
      cursor: { drag: { x: false, y: false } },
      tzDate: viennaChartDate,
      scales: { x: { time: true } },
      series: [
        {},
        { label: "price", stroke: "#0d9488", width: 1.6, paths: uPlot.paths.stepped({ align: 1 }), spanGaps: false },
      ],
      axes: [
        { ...axis, values: (u, splits) => splits.map(fmtTick) },
        { ...axis, size: 72, values: (u, splits) => splits.map((v) => `${nf(1).format(v)} ct`) },
      ],
    },
    [[], []],
    el,
  );
}

function showCurve(curve) {
  const el = $("chart-price");
  if (!cost.chart) cost.chart = makePriceChart(el);
  const x = curve.points.map((p) => p.start);
  const y = curve.points.map((p) => (p.totalEurPerKwh === undefined || !p.complete ? null : p.totalEurPerKwh * 100));
  cost.chart.setData([x, y]);
  $("chart-price-empty").hidden = y.some((v) => v !== null);
}

async function showReconciliation() {
  const el = $("cost-reconciliation");
  const first = new Date();
  first.setDate(1);
  const from = `${first.getFullYear()}-${String(first.getMonth() + 1).padStart(2, "0")}-01`;
  let body;
  try {
    body = await api(meterPath(`reconciliation?interval=month&from=${from}`));
  } catch (error) {
    el.textContent = "Operator's export: not available.";
    return;
  }
  const t = body.total;
  if (!t || (t.both === 0 && t.onlyOperator === 0)) {
    el.textContent = "Operator's export: none imported for this month (smartmeter portal import).";
    return;
  }
  const percent = t.diffInPercent === null ? "" : ` (${nf(2).format(t.diffInPercent)} %)`;
  el.textContent =
    `Operator's export this month: ours ${fmtEnergy(t.oursInWh, 2)}, operator ${fmtEnergy(t.operatorInWh, 2)}, ` +
    `difference ${fmtEnergy(t.diffInWh, 3)}${percent}; ` +
    (t.agrees ? "they agree" : `${t.disagreeing} quarter-hour(s) disagree beyond the tolerance`) +
    (t.onlyOperator ? `, ${t.onlyOperator} only in the operator's file` : "") +
    ".";
}

async function refreshCost() {
  if (!state.meter) return;
  cost.meter = state.meter;
  cost.at = Date.now();
  let summary;
  try {
    // Without a tariff file the cost endpoints answer 404: ask the status first, so that the
    // page never requests what is not there.
    const status = await api("api/status");
    if (!status.cost) {
      $("cost").hidden = true;
      return;
    }
    summary = await api(meterPath("cost/summary"));
  } catch (error) {
    $("cost").hidden = true;  // no tariff file (404) or no answer: nothing to show
    return;
  }
  $("cost").hidden = false;
  showSummary(summary);
  const [curve] = await Promise.all([api(meterPath("prices")), showReconciliation()]);
  showCurve(curve);
}

function costTick() {
  if (state.meter && (state.meter !== cost.meter || Date.now() - cost.at >= COST_MS)) {
    refreshCost().catch((error) => console.warn(`cost: ${error.message}`));
  }
}

window.addEventListener("resize", () => {
  if (cost.chart) cost.chart.setSize({ width: plotWidth($("chart-price")), height: cost.chart.height });
});
costTick();
setInterval(costTick, 1000);
