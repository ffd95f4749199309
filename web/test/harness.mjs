// SPDX-License-Identifier: MIT
// What the browser tests share: checks that fail the test with a message, polling, running the
// smartmeter binary, a throw-away mosquitto (tools/test-servers.sh) with `smartmeter run` on
// SQLite beside it, the simulated meter's telegrams, and Debian's Chromium through playwright-core.
//
// Environment: SMARTMETER_BIN (the binary), TEST_SERVERS (tools/test-servers.sh), SCREENSHOT_DIR,
// CHROMIUM (default /usr/bin/chromium), KEEP=1 keeps the temporary directory.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const bin = process.env.SMARTMETER_BIN;
export const servers = process.env.TEST_SERVERS;
export const shots = process.env.SCREENSHOT_DIR || process.cwd();
export const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";

let testName = "browser test";
export function name(value) {
  testName = value;
}

export function fail(message) {
  console.error(`${testName}: FAILED: ${message}`);
  process.exitCode = 1;
  throw new Error(`${testName}: ${message}`);
}
export function check(condition, message) {
  if (!condition) fail(message);
  console.log(`ok - ${message}`);
}
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function until(what, probe, timeoutMs = 15000) {
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

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 60000, ...options });
  if (result.status !== 0) {
    fail(`${command} ${args.join(" ")} exited with ${result.status}: ${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

// Chromium, headless; fails with what to install when playwright-core or Chromium is missing.
export async function launchChromium() {
  let chromium;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch {
    fail("playwright-core is not installed: run bash tools/install-deps.sh (npm ci --prefix web)");
  }
  if (!existsSync(chromiumPath)) fail(`Chromium not found (${chromiumPath}); run bash tools/install-deps.sh`);
  return chromium.launch({
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
}

// A page that collects the page's errors and console errors in `errors`.
export async function openPage(browser, contextOptions = {}) {
  const context = await browser.newContext({
    locale: "en-US",
    timezoneId: "Europe/Vienna",
    viewport: { width: 1280, height: 900 },
    ...contextOptions,
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  return { context, page, errors };
}
export const phoneViewport = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

// A throw-away mosquitto and `smartmeter run` on SQLite in a temporary directory, the simulated
// meter's key in server.env. `settings` are extra server.env lines; `dashboard` the regular
// expression of the log line that names the dashboard's address. Returns what a test needs;
// call stop() in a finally block.
export async function startService({ settings = [], dashboard = /dashboard at (https?:\/\/127\.0\.0\.1:\d+\/)/ } = {}) {
  for (const [what, path] of [["SMARTMETER_BIN", bin], ["TEST_SERVERS", servers]]) {
    if (!path || !existsSync(path)) fail(`${what} not found (${path}); run bash tools/install-deps.sh`);
  }
  const dir = mkdtempSync(join(tmpdir(), "smartmeter-browser-"));
  const mosquittoDir = join(dir, "mosquitto");
  mkdirSync(mosquittoDir);
  const state = { dir, service: null, log: "" };
  state.stop = async () => {
    const service = state.service;
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
  };
  try {
    run("bash", [servers, "start", "mosquitto", mosquittoDir]);
    const port = readFileSync(join(mosquittoDir, "port"), "utf8").trim();
    const topic = "browser/smartmeter";
    state.port = port;
    state.topic = topic;
    state.simulate = (args) =>
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
        ...settings,
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
    state.service = spawn(bin, ["run", "--env", join(dir, "server.env")], { cwd: dir });
    state.service.stdout.on("data", (chunk) => (state.log += chunk));
    state.service.stderr.on("data", (chunk) => (state.log += chunk));
    state.base = await until("the service names its dashboard address", () => {
      const match = state.log.match(dashboard);
      return match && match[1];
    });
    // Subscribed once its retained "online" is there (published after the subscription).
    run("mosquitto_sub", ["-h", "127.0.0.1", "-p", port, "-t", `${topic}/status`, "-C", "1", "-W", "15"]);
    return state;
  } catch (error) {
    await state.stop();
    throw error;
  }
}

// Feeds `count` telegrams, one per simulated minute, ending now.
export function simulateHistory(service, count) {
  const now = Math.floor(Date.now() / 1000);
  service.simulate(["--start", `@${now - (count - 1) * 60}`, "--interval", "0.001", "--time-scale", "60000", "--count", String(count)]);
}

// One browser test: starts the service (startService(options); `options` may also be an async
// function that works them out, run as part of the test), launches Chromium, runs
// `body({ service, base, api, browser, started })` (api: GET a path below base as JSON), reports
// "<title>: passed in … ms" or the failure (exit status 1), and closes Chromium and stops the
// service either way.
export async function browserTest(title, body, options = {}) {
  name(title);
  const started = Date.now();
  let service;
  let browser;
  try {
    service = await startService(typeof options === "function" ? await options() : options);
    const base = service.base;
    const api = async (path) => (await fetch(new URL(path, base))).json();
    browser = await launchChromium();
    await body({ service, base, api, browser, started });
    console.log(`${title}: passed in ${Date.now() - started} ms`);
  } catch (error) {
    process.exitCode = 1;
    if (!String(error.message).startsWith(title)) console.error(error);
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (service) await service.stop();
  }
}
