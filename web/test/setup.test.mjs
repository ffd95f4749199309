// SPDX-License-Identifier: MIT
// Browser test of the setup view (web/setup.js) on the health panel: a throw-away mosquitto and
// `smartmeter run` (web/test/harness.mjs), a few simulated telegrams and two that do not decode
// (text that is not hex, a frame cut short), then headless Chromium opens the dashboard at #setup
// and checks that the last telegrams are listed, decoded or with their error in plain words, and
// that the what-to-check line is there; at phone size nothing is wider than the screen. Saves
// setup.png and setup-phone.png in SCREENSHOT_DIR.
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { browserTest, check, openPage, phoneViewport, run, shots, until } from "./harness.mjs";

await browserTest("setup view test", async ({ service, base, api, browser, started }) => {
  const publish = (payload) => run("mosquitto_pub", ["-h", "127.0.0.1", "-p", service.port, "-q", "1", "-t", service.topic, "-m", payload]);

  service.simulate(["--count", "3", "--interval", "0.2"]);
  publish("hello, not a telegram");
  publish("68FAFA6853FF00");
  const answer = await until("the service lists the telegrams", async () => {
    const body = await api("api/telegrams");
    const mine = body.meters.find((g) => g.meter !== null);
    const loose = body.meters.find((g) => g.meter === null);
    return mine && mine.telegrams.length === 3 && loose && loose.telegrams.length === 2 ? body : null;
  });
  const meter = answer.meters.find((g) => g.meter !== null);
  console.log(`ok - /api/telegrams: ${meter.telegrams.length} decoded, 2 failed (${Date.now() - started} ms)`);

  const { page, errors: pageErrors } = await openPage(browser);
  await page.goto(new URL("#setup", base).href);
  const rows = page.locator('[data-testid="telegrams"] tbody tr');
  await until("five telegrams are listed", async () => (await rows.count()) === 5);
  const texts = await rows.allInnerTexts();
  check(texts.filter((t) => /decoded: ↓ \d+ W/.test(t)).length === 3, `three decoded rows (${texts.join(" | ")})`);
  check(texts.some((t) => t.includes("input is not hex text")), "the text that is not hex shows its error");
  check(texts.some((t) => t.includes("incomplete telegram")), "the frame cut short shows its error");
  check(texts.some((t) => t.includes(meter.telegrams[0].head)), "the first bytes are shown as hex");
  check(texts.some((t) => t.includes(String(meter.telegrams[0].size))), "the size is shown");
  const line = await page.getByTestId("setup-check").innerText();
  check(line.startsWith("What to check:"), `the what-to-check line is shown (${line})`);
  console.log(`ok - setup view lists ${texts.length} telegrams; "${line}"`);
  check(pageErrors.length === 0, `no errors in the page (${pageErrors.join("; ")})`);

  mkdirSync(shots, { recursive: true });
  const desktop = join(shots, "setup.png");
  await page.getByTestId("health").screenshot({ path: desktop });
  const { page: phonePage } = await openPage(browser, phoneViewport);
  await phonePage.goto(new URL("#setup", base).href);
  await until("the phone layout lists the telegrams", async () => (await phonePage.locator('[data-testid="telegrams"] tbody tr').count()) === 5);
  const phoneWidth = await phonePage.evaluate(() => document.documentElement.scrollWidth);
  check(phoneWidth <= 390, `nothing wider than a phone's screen (${phoneWidth} px)`);
  const mobile = join(shots, "setup-phone.png");
  await phonePage.getByTestId("health").screenshot({ path: mobile });
  console.log(`screenshot: ${desktop}`);
  console.log(`screenshot: ${mobile}`);
});
