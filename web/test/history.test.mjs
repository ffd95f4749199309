// SPDX-License-Identifier: MIT
// Browser test of the history views (web/history.js): a service fed with two days of simulated
// telegrams (web/test/harness.mjs), then headless Chromium walks the day, week, month and year
// views, previous/next, "compare with the previous period" and the CSV link, reloads the page
// (the view is in the address), and does the same at a phone's size. Screenshots in
// SCREENSHOT_DIR: history-day.png, history-month-compare.png, history-year.png, history-phone.png.
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { browserTest, check, openPage, phoneViewport, shots, simulateHistory, until } from "./harness.mjs";

await browserTest("history test", async ({ service, base, api, browser }) => {
  const count = 2880;
  simulateHistory(service, count);
  const meter = await until("the meter is listed", async () => {
    const body = await api("api/meters");
    return body.meters.length === 1 ? body.meters[0].meter : null;
  });
  await until("all telegrams are stored", async () => (await api("api/status")).database.stored_readings >= count, 30000);

  const { page, errors } = await openPage(browser);
  const kwh = (wh) => `${new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(wh / 1000)} kWh`;
  const label = () => page.getByTestId("history-label").innerText();
  const drawn = (id) => until(`${id} is drawn`, async () => (await page.locator(`#${id} canvas`).count()) === 1);
  // The page shows the API's answer for the view in its address.
  const shows = async (what) => {
    const hash = new URLSearchParams((await page.evaluate(() => location.hash)).slice(1));
    const params = new URLSearchParams({ period: hash.get("history") });
    if (hash.get("date")) params.set("date", hash.get("date"));
    if (hash.get("compare")) params.set("compare", "1");
    const body = await api(`api/meters/${meter}/history?${params}`);
    await until(`${what}: the total is the API's (${kwh(body.view.total_in_wh)})`, async () =>
      (await page.getByTestId("history-total").innerText()).includes(`import ${kwh(body.view.total_in_wh)}`));
    await drawn("history-energy");
    console.log(`ok - ${what}: ${await label()} · ${await page.getByTestId("history-total").innerText()}`);
    return body;
  };

  await page.goto(`${base}#history=day`);
  let body = await shows("today");
  check(body.view.intervals.some((i) => i.so_far), "today has a quarter-hour so far");
  await drawn("history-power");
  await drawn("history-voltage");
  await drawn("history-current");
  const today = await label();

  await page.getByTestId("history-prev").click();
  await until("previous goes to yesterday", async () => (await label()) !== today);
  body = await shows("yesterday");
  check(body.view.total_in_wh > 0, "yesterday has energy");
  check([92, 96, 100].includes(body.view.intervals.length), `a day of ${body.view.intervals.length} quarter-hours`);
  mkdirSync(shots, { recursive: true });
  const dayShot = join(shots, "history-day.png");
  await page.locator("#history-section").screenshot({ path: dayShot });
  await page.getByTestId("history-next").click();
  await until("next comes back to today", async () => (await label()) === today);

  await page.getByTestId("history-week").click();
  await until("the week view", async () => /^Week \d+/.test(await label()));
  await shows("this week");
  check(await page.locator("#history-power").isHidden(), "a week shows no day curves");

  await page.getByTestId("history-month").click();
  await until("the month view", async () => /^[A-Z][a-z]+ \d{4}$/.test(await label()));
  await page.getByTestId("history-compare").check();
  await until("compare is in the address", async () => (await page.evaluate(() => location.hash)).includes("compare=1"));
  body = await shows("this month, compared");
  check(body.previous && body.previous.intervals.length >= 28, "the previous month is in the answer");
  await until("the total names the previous month", async () => (await page.getByTestId("history-total").innerText()).includes("—"));
  await until("the peak quarter-hours are listed", async () => (await page.locator("#history-peaks tr").count()) === Math.max(1, body.view.peaks.length));
  check(body.view.peaks.length > 0, `the month has ${body.view.peaks.length} peak quarter-hours`);
  const monthShot = join(shots, "history-month-compare.png");
  await page.locator("#history-section").screenshot({ path: monthShot });

  const csvHref = await page.getByTestId("history-csv-energy").getAttribute("href");
  check(csvHref.includes("history.csv") && csvHref.includes("period=month") && csvHref.includes("compare=1"), `the CSV link is of what is shown (${csvHref})`);
  const csv = await fetch(new URL(csvHref, base));
  const csvText = await csv.text();
  check(csv.status === 200 && /^attachment; filename="smartmeter-.*-month-\d{4}-\d{2}-compared\.csv"$/.test(csv.headers.get("content-disposition")), `the CSV downloads as ${csv.headers.get("content-disposition")}`);
  const lines = csvText.trim().split("\n");
  check(lines[0].startsWith("start,start_local,label,energy_in_wh") && lines[0].includes("previous_energy_in_wh"), "the CSV has its header");
  check(lines.length === 1 + body.view.intervals.length, `the CSV has a line per day shown (${lines.length - 1})`);
  check((await page.getByTestId("history-csv-peaks").count()) === 1, "a month offers its peaks as CSV");

  const hash = await page.evaluate(() => location.hash);
  const monthLabel = await label();
  await page.reload();
  await until("a reload shows the same view", async () => (await label()) === monthLabel);
  check((await page.getByTestId("history-compare").isChecked()) && (await page.getByTestId("history-month").getAttribute("aria-pressed")) === "true", "a reload keeps the period and compare");
  check((await page.evaluate(() => location.hash)) === hash, `the address is kept (${hash})`);

  await page.getByTestId("history-year").click();
  await until("the year view", async () => /^\d{4}$/.test(await label()));
  body = await shows("this year, compared");
  check(body.view.intervals.length === 12, "a year of twelve months");
  const yearShot = join(shots, "history-year.png");
  await page.locator("#history-section").screenshot({ path: yearShot });

  // A date from the picker.
  const yesterday = new Date(Date.now() - 86400000).toLocaleDateString("sv-SE", { timeZone: "Europe/Vienna" });
  await page.getByTestId("history-day").click();
  await page.getByTestId("history-date").fill(yesterday);
  await until("the date picker chooses the day", async () => (await page.evaluate(() => location.hash)).includes(`date=${yesterday}`));
  await shows("the picked day");
  check(errors.length === 0, `no errors in the page (${errors.join("; ")})`);

  // A browser in another time zone shows the same Vienna day (the API's days are Vienna days).
  const dayTitle = await page.getByTestId("history-label").innerText();
  const { page: faraway } = await openPage(browser, { timezoneId: "America/Los_Angeles" });
  await faraway.goto(`${base}#history=day&date=${yesterday}`);
  await until("the page in Los Angeles names the day", async () => (await faraway.getByTestId("history-label").innerText()) !== "–");
  const farTitle = await faraway.getByTestId("history-label").innerText();
  check(farTitle === dayTitle, `the day's title is Vienna's in any time zone (${farTitle} vs ${dayTitle})`);

  const { page: phone, errors: phoneErrors } = await openPage(browser, phoneViewport);
  await phone.goto(`${base}#history=day&date=${yesterday}&compare=1`);
  await until("the phone shows the day", async () => (await phone.getByTestId("history-label").innerText()) !== "–");
  await until("the phone draws the day's charts", async () => (await phone.locator("#history-section canvas").count()) === 4);
  await phone.getByTestId("history-week").click();
  await until("the phone's week view", async () => /^Week/.test(await phone.getByTestId("history-label").innerText()));
  await phone.getByTestId("history-day").click();
  await until("the phone is back on the day", async () => (await phone.locator("#history-section canvas").count()) === 4);
  const phoneWidth = await phone.evaluate(() => document.documentElement.scrollWidth);
  check(phoneWidth <= 390, `nothing wider than a phone's screen (${phoneWidth} px)`);
  const phoneShot = join(shots, "history-phone.png");
  await phone.locator("#history-section").screenshot({ path: phoneShot });
  check(phoneErrors.length === 0, `no errors in the phone's page (${phoneErrors.join("; ")})`);

  for (const shot of [dayShot, monthShot, yearShot, phoneShot]) console.log(`screenshot: ${shot}`);
});
