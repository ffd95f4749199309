// SPDX-License-Identifier: MIT
// Browser test of a first start: the service fed as the quick start feeds it (48 hours
// backfilled by `smartmeter simulate --backfill 48`, then live telegrams), and headless Chromium
// checks that the charts' tick labels are distinct and carry one sensible unit, that today's
// energy and the 31-day chart say "so far", and that a running quarter-hour is never shown as the
// month's peak without saying so. Saves firststart.png and firststart-phone.png in SCREENSHOT_DIR.
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { browserTest, check, openPage, phoneViewport, shots, until } from "./harness.mjs";

// Tick labels of a chart's axis as uPlot drew them (its axis keeps the last labels in _values).
const ticks = (page, chart, axis) =>
  page.evaluate(([c, a]) => (state.charts[c] && state.charts[c].axes[a]._values) || [], [chart, axis]);

function checkTicks(labels, unitPattern, what) {
  const shown = labels.filter((l) => l !== "");
  check(shown.length >= 2, `${what}: ${shown.length} tick labels (${shown.join(", ")})`);
  check(new Set(shown).size === shown.length, `${what}: the tick labels are distinct`);
  check(shown.every((l) => unitPattern.test(l)), `${what}: every label is a number with its unit`);
  const units = new Set(shown.map((l) => l.split(" ").pop()));
  check(units.size === 1, `${what}: one unit on the axis (${[...units].join(", ")})`);
  const decimals = new Set(shown.map((l) => (l.split(" ")[0].split(".")[1] || "").length));
  check(decimals.size === 1, `${what}: the same number of decimals on every tick`);
}

await browserTest("first start test", async ({ service, base, api, browser, started }) => {
  service.simulate(["--backfill", "48", "--count", "3", "--interval", "0.2"]);
  const sent = 2880 + 3;
  await until("all telegrams are stored", async () => (await api("api/status")).database.stored_readings >= sent, 60000);
  const meter = (await api("api/meters")).meters[0].meter;
  await until("the statistics hold the backfilled quarter-hours", async () => {
    const rows = await api(`api/meters/${meter}/statistics?interval=quarter-hour&format=json`);
    return rows.filter((r) => r.complete).length >= 190;
  }, 120000);
  console.log(`ok - service fed with 48 hours (${Date.now() - started} ms)`);

  const { page, errors } = await openPage(browser);
  await page.goto(base);
  await until("the 31-day chart is drawn", async () => (await ticks(page, "daily", 1)).length > 0);
  await until("the 24-hour chart is drawn", async () => (await ticks(page, "power", 1)).length > 0);

  checkTicks(await ticks(page, "daily", 1), /^\d[\d,]*(\.\d+)? k?Wh$/, "daily energy axis");
  checkTicks(await ticks(page, "power", 1), /^\d[\d,]*(\.\d+)? k?W$/, "power axis");

  // The formatter on axes the charts may get on other days: never two equal labels.
  const cases = await page.evaluate(() =>
    [
      [0, 500, 1000, 1500, 2000],
      [0, 250, 500, 750, 1000, 1250],
      [0, 200, 400, 600, 800],
      [0, 2000, 4000, 6000],
      [0, 20000, 40000],
    ].map((splits) => ({ splits, labels: energyTicks(splits) })),
  );
  for (const { splits, labels } of cases) {
    check(new Set(labels).size === labels.length, `energy ticks ${splits.join("/")} Wh read ${labels.join(", ")}`);
  }

  const text = (testid) => page.getByTestId(testid).innerText();
  await until("today's energy is shown", async () => /kWh$/.test(await text("today-in")));
  check(/so far/.test(await page.locator("#today-note").innerText()), "today's energy says so far");
  await until("the 31-day total says today is so far", async () => /today so far/.test(await page.locator("#daily-total").innerText()));
  const peak = await api(`api/meters/${meter}/peak`);
  await until("the peak quarter-hour is shown", async () => /W( so far)?$/.test(await text("peak-power")));
  const peakText = await text("peak-power");
  if (peak.peak.complete) {
    check(!/so far/.test(peakText), `a complete quarter-hour is the peak (${peakText})`);
  } else {
    check(/so far/.test(peakText), `a running quarter-hour is a peak so far (${peakText})`);
  }
  // A partial quarter-hour as the peak, as on the first minutes of a month: the page says so.
  await page.evaluate(() => {
    setText("peak-power", soFar(fmtPower(4), false));
  });
  check(/so far$/.test(await text("peak-power")), "soFar() marks a partial peak");
  check(errors.length === 0, `no errors in the page (${errors.join("; ")})`);

  mkdirSync(shots, { recursive: true });
  await page.reload();
  await until("the charts are drawn again", async () => (await ticks(page, "daily", 1)).length > 0);
  await until("today's energy is shown again", async () => /kWh$/.test(await text("today-in")));
  const desktop = join(shots, "firststart.png");
  await page.screenshot({ path: desktop, fullPage: true });
  const { page: phone } = await openPage(browser, phoneViewport);
  await phone.goto(base);
  await until("the phone layout draws its charts", async () => (await ticks(phone, "daily", 1)).length > 0);
  checkTicks(await ticks(phone, "daily", 1), /^\d[\d,]*(\.\d+)? k?Wh$/, "daily energy axis on a phone");
  const mobile = join(shots, "firststart-phone.png");
  await phone.screenshot({ path: mobile, fullPage: true });
  console.log(`screenshot: ${desktop}`);
  console.log(`screenshot: ${mobile}`);
});
