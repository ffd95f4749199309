// SPDX-License-Identifier: MIT
// Browser test of the dashboard: a throw-away mosquitto, `smartmeter run` on SQLite with its HTTP
// server on a free port (web/test/harness.mjs), two days of simulated history and a few live
// telegrams (`smartmeter simulate`), then headless Chromium (Debian's, driven by playwright-core)
// loads the page, checks that the live values, charts and health appear, and saves screenshots
// (dashboard.png and dashboard-phone.png in SCREENSHOT_DIR).
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { browserTest, check, openPage, phoneViewport, shots, simulateHistory, until } from "./harness.mjs";

await browserTest("dashboard test", async ({ service, base, api, browser, started }) => {
  // Two days of history up to now, at one telegram per simulated minute.
  const count = 2880;
  simulateHistory(service, count);
  const meters = await until("the meter is listed", async () => {
    const body = await api("api/meters");
    return body.meters.length === 1 && body.meters[0].live ? body.meters : null;
  });
  const meter = meters[0].meter;
  const latest = await until("all telegrams are stored", async () => {
    const status = await api("api/status");
    const body = await api(`api/meters/${meter}/latest`);
    return status.database.stored_readings >= count && body.reading && body.today ? body : null;
  }, 30000);
  console.log(`ok - service fed with ${meters.length} meter's telegrams (${Date.now() - started} ms)`);

  const { page, errors: pageErrors } = await openPage(browser);
  await page.goto(base);

  const en = (digits) => new Intl.NumberFormat("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const power = (w) => (Math.abs(w) >= 1000 ? `${en(2).format(w / 1000)} kW` : `${en(0).format(w)} W`);
  const values = latest.reading.values;
  const text = (testid) => page.getByTestId(testid).innerText();
  const shows = async (testid, expected) => {
    await until(`${testid} shows ${expected}`, async () => (await text(testid)) === expected);
    console.log(`ok - ${testid} shows ${expected}`);
  };
  await shows("power-in", power(values.PIn.value));
  await shows("power-out", power(values.POut.value));
  await shows("diagnosis", "OK");
  await shows("meter-name", `meter ${meters[0].meter_number}`);
  check((await page.locator("#U1").innerText()) === `${en(1).format(values.U1.value)} V`, "voltage L1 shown");
  check((await page.locator("#I3").innerText()) === `${en(2).format(values.I3.value)} A`, "current L3 shown");
  await until("today's energy is shown", async () => /kWh$/.test(await text("today-in")));
  await until("the peak quarter-hour is shown", async () => /W( so far)?$/.test(await text("peak-power")));
  await until("the 24-hour chart is drawn", async () => (await page.locator("#chart-power canvas").count()) === 1);
  await until("the 31-day chart is drawn", async () => (await page.locator("#chart-daily canvas").count()) === 1);
  check(/ago$/.test(await text("age")), "age of the last telegram shown");
  check((await text("gaps")).length > 0, "frame-counter gaps shown");
  check(pageErrors.length === 0, `no errors in the page (${pageErrors.join("; ")})`);

  mkdirSync(shots, { recursive: true });
  const desktop = join(shots, "dashboard.png");
  await page.screenshot({ path: desktop, fullPage: true });
  const { page: phonePage } = await openPage(browser, phoneViewport);
  await phonePage.goto(base);
  await until("the phone layout shows live values", async () => (await phonePage.getByTestId("power-in").innerText()) !== "–");
  await until("the phone layout draws its charts", async () => (await phonePage.locator("main.grid canvas").count()) === 2);
  const phoneWidth = await phonePage.evaluate(() => document.documentElement.scrollWidth);
  check(phoneWidth <= 390, `nothing wider than a phone's screen (${phoneWidth} px)`);
  const mobile = join(shots, "dashboard-phone.png");
  await phonePage.screenshot({ path: mobile, fullPage: true });
  console.log(`screenshot: ${desktop}`);
  console.log(`screenshot: ${mobile}`);
});
