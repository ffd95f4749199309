// SPDX-License-Identifier: MIT
// Browser test of the dashboard: a throw-away mosquitto (tools/test-servers.sh), `smartmeter run`
// on SQLite with its HTTP server on a free port, two days of simulated history and a few live
// telegrams (`smartmeter simulate`), then headless Chromium (Debian's, driven by playwright-core)
// loads the page, checks that the live values, charts and health appear, and saves screenshots.
//
// Environment: SMARTMETER_BIN (the binary), TEST_SERVERS (tools/test-servers.sh), SCREENSHOT_DIR
// (where dashboard.png and dashboard-phone.png go), CHROMIUM (default /usr/bin/chromium),
// KEEP=1 keeps the temporary directory. Exit status 0 on success; prints the screenshot paths.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const bin = process.env.SMARTMETER_BIN;
const servers = process.env.TEST_SERVERS;
const shots = process.env.SCREENSHOT_DIR || process.cwd();
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";

function fail(message) {
  console.error(`dashboard test: FAILED: ${message}`);
  process.exitCode = 1;
  throw new Error(message);
}
function check(condition, message) {
  if (!condition) fail(message);
  console.log(`ok - ${message}`);
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what, probe, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (last) return last;
    } catch (error) {
      last = error.message;
    }
    await sleep(100);
  }
  fail(`${what} (last: ${JSON.stringify(last)})`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 60000, ...options });
  if (result.status !== 0) {
    fail(`${command} ${args.join(" ")} exited with ${result.status}: ${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

let chromium;
try {
  ({ chromium } = await import("playwright-core"));
} catch {
  fail("playwright-core is not installed: run bash tools/install-deps.sh (npm ci --prefix web)");
}
for (const [name, path] of [["SMARTMETER_BIN", bin], ["TEST_SERVERS", servers], ["Chromium", chromiumPath]]) {
  if (!path || !existsSync(path)) fail(`${name} not found (${path}); run bash tools/install-deps.sh`);
}

const dir = mkdtempSync(join(tmpdir(), "smartmeter-browser-"));
const mosquittoDir = join(dir, "mosquitto");
mkdirSync(mosquittoDir);
let service;
let browser;
const started = Date.now();

try {
  run("bash", [servers, "start", "mosquitto", mosquittoDir]);
  const port = readFileSync(join(mosquittoDir, "port"), "utf8").trim();
  const topic = "browser/smartmeter";
  const simulate = (args) =>
    run(bin, ["simulate", "--port", port, "--topic", topic, "--seed", "7", "--quiet", ...args], { cwd: dir });

  // The simulated meter's key (the same seed gives the same meter), learnt on a topic nobody reads.
  const keys = run(bin, ["simulate", "--port", port, "--topic", "browser/unread", "--seed", "7", "--count", "1", "--quiet"], { cwd: dir })
    .split("\n")
    .find((line) => line.startsWith("SMARTMETER_KEYS="));
  if (!keys) fail("smartmeter simulate printed no SMARTMETER_KEYS line");

  writeFileSync(
    join(dir, "server.env"),
    [
      keys,
      "MQTT_HOST=127.0.0.1",
      `MQTT_PORT=${port}`,
      `SMARTMETER_RAWDATA_MQTT_TOPIC=${topic}`,
      `SMARTMETER_VALUES_MQTT_TOPIC=${topic}/values`,
      `SMARTMETER_STATUS_MQTT_TOPIC=${topic}/status`,
      "MQTT_CLIENT_ID=smartmeter-browser-test",
      `SMARTMETER_DATA_DIR=${join(dir, "data")}`,
      "SMARTMETER_HTTP_LISTEN=127.0.0.1:0",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  let log = "";
  service = spawn(bin, ["run", "--env", join(dir, "server.env")], { cwd: dir });
  service.stdout.on("data", (chunk) => (log += chunk));
  service.stderr.on("data", (chunk) => (log += chunk));
  const base = await until("the service names its dashboard address", () => {
    const match = log.match(/dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/);
    return match && match[1];
  });
  const api = async (path) => (await fetch(new URL(path, base))).json();
  // Subscribed once its retained "online" is there (published after the subscription).
  run("mosquitto_sub", ["-h", "127.0.0.1", "-p", port, "-t", `${topic}/status`, "-C", "1", "-W", "15"]);

  // Two days of history up to now, at one telegram per simulated minute.
  const count = 2880;
  const now = Math.floor(Date.now() / 1000);
  simulate(["--start", `@${now - (count - 1) * 60}`, "--interval", "0.001", "--time-scale", "60000", "--count", String(count)]);
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

  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  const context = await browser.newContext({ locale: "en-US", timezoneId: "Europe/Vienna", viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(message.text());
  });
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
  await until("the peak quarter-hour is shown", async () => /W$/.test(await text("peak-power")));
  await until("the 24-hour chart is drawn", async () => (await page.locator("#chart-power canvas").count()) === 1);
  await until("the 31-day chart is drawn", async () => (await page.locator("#chart-daily canvas").count()) === 1);
  check(/ago$/.test(await text("age")), "age of the last telegram shown");
  check((await text("gaps")).length > 0, "frame-counter gaps shown");
  check(pageErrors.length === 0, `no errors in the page (${pageErrors.join("; ")})`);

  mkdirSync(shots, { recursive: true });
  const desktop = join(shots, "dashboard.png");
  await page.screenshot({ path: desktop, fullPage: true });
  const phone = await browser.newContext({ locale: "en-US", timezoneId: "Europe/Vienna", viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const phonePage = await phone.newPage();
  await phonePage.goto(base);
  await until("the phone layout shows live values", async () => (await phonePage.getByTestId("power-in").innerText()) !== "–");
  await until("the phone layout draws its charts", async () => (await phonePage.locator("canvas").count()) === 2);
  const phoneWidth = await phonePage.evaluate(() => document.documentElement.scrollWidth);
  check(phoneWidth <= 390, `nothing wider than a phone's screen (${phoneWidth} px)`);
  const mobile = join(shots, "dashboard-phone.png");
  await phonePage.screenshot({ path: mobile, fullPage: true });
  console.log(`screenshot: ${desktop}`);
  console.log(`screenshot: ${mobile}`);
  console.log(`dashboard test: passed in ${Date.now() - started} ms`);
} catch (error) {
  process.exitCode = 1;
  if (!String(error.message).startsWith("dashboard test")) console.error(error);
} finally {
  if (browser) await browser.close().catch(() => {});
  if (service) {
    service.kill("SIGTERM");
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        service.kill("SIGKILL");
        resolve();
      }, 10000);
      service.on("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      if (service.exitCode !== null) resolve();
    });
  }
  spawnSync("bash", [servers, "stop", "mosquitto", mosquittoDir], { encoding: "utf8" });
  if (process.env.KEEP !== "1") rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
