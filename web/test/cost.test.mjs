// SPDX-License-Identifier: MIT
// Browser test of the cost card (web/cost.js): `smartmeter run` with a tariff file
// (examples/tariffs/fixed.toml: 19.90 ct/kWh with VAT and a monthly fee) and two days of
// simulated history; once the statistics thread has priced the quarter-hours, the page shows
// today's, yesterday's and this month's cost as the API gives them, the price now, the price
// curve, and says that no operator export is imported. Saves cost.png in SCREENSHOT_DIR.
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { browserTest, check, openPage, shots, simulateHistory, until } from "./harness.mjs";

const tariff = new URL("../../examples/tariffs/fixed.toml", import.meta.url).pathname;

await browserTest("cost test", async ({ service, base, browser }) => {
  const get = async (path) => {
    const response = await fetch(new URL(path, base));
    return { status: response.status, body: await response.json() };
  };
  simulateHistory(service, 2880);
  const meter = await until("the meter is listed", async () => {
    const { body } = await get("api/meters");
    return body.meters.length === 1 ? body.meters[0].meter : null;
  });
  // The first statistics pass runs 10 s after the start; the cost follows it.
  const summary = await until(
    "the quarter-hours are priced",
    async () => {
      const { status, body } = await get(`api/meters/${meter}/cost/summary`);
      return status === 200 && body.yesterday.quarterHours > 0 && body.today.quarterHours > 0 ? body : null;
    },
    60000,
  );
  check(summary.priceNow && Math.abs(summary.priceNow.totalEurPerKwh - 0.199) < 1e-9, "price now is the tariff's 19.90 ct/kWh");
  check(summary.yesterday.netEur > 0, `yesterday cost ${summary.yesterday.netEur} EUR`);

  // The API's errors: a bad range, an unknown meter.
  check((await get(`api/meters/${meter}/cost?from=2026-02-30`)).status === 400, "a bad date is a 400");
  check((await get(`api/meters/${meter}/cost?interval=week`)).status === 400, "a bad interval is a 400");
  check((await get("api/meters/0000000000000000/cost/summary")).status === 404, "an unknown meter is a 404");
  const days = await get(`api/meters/${meter}/cost?interval=day`);
  check(days.status === 200 && days.body.length >= 2, `cost per day (${days.body.length} days)`);

  const { page, errors: pageErrors } = await openPage(browser);
  await page.goto(base);
  const eur = (value) => new Intl.NumberFormat("en-US", { style: "currency", currency: "EUR" }).format(value);
  const text = (testid) => page.getByTestId(testid).innerText();
  await until("the cost card is shown", async () => page.getByTestId("cost").isVisible());
  // The page and the API agree (the API caches a summary for 30 s).
  for (const [testid, field] of [["cost-yesterday", "yesterday"], ["cost-month", "thisMonth"]]) {
    await until(`${testid} shows the API's amount`, async () => {
      const { body } = await get(`api/meters/${meter}/cost/summary`);
      return (await text(testid)) === eur(body[field].netEur);
    });
    console.log(`ok - ${testid} shows ${await text(testid)}`);
  }
  await until("price now is shown", async () => (await text("price-now")) === "19.90 ct/kWh");
  await until("the estimate is shown", async () => /^≈ €/.test(await text("cost-estimate")));
  await until("the split is shown", async () => /energy €.* VAT €/.test(await text("cost-split")));
  await until("the price curve is drawn", async () => (await page.locator("#chart-price canvas").count()) === 1);
  await until("the reconciliation says none is imported", async () => /none imported|not available/.test(await text("cost-reconciliation")));
  check(pageErrors.length === 0, `no errors in the page (${pageErrors.join("; ")})`);

  mkdirSync(shots, { recursive: true });
  const shot = join(shots, "cost.png");
  await page.getByTestId("cost").screenshot({ path: shot });
  console.log(`screenshot: ${shot}`);
}, { settings: [`SMARTMETER_TARIFF_FILE=${tariff}`] });
