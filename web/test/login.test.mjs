// SPDX-License-Identifier: MIT
// Browser test of the login over HTTPS: a certificate from a throw-away CA (openssl command
// line), the password stored as the hash `smartmeter passwd` prints, `smartmeter run` serving
// HTTPS only (web/test/harness.mjs). Headless Chromium (ignoring the unknown CA, as a user
// would accept it once) is refused without and with a wrong password, then logs in with HTTP
// Basic and sees the live values, with no error in the page (a Content-Security-Policy that
// blocked one of the dashboard's own files would show here). Saves login.png in SCREENSHOT_DIR.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { bin, browserTest, check, openPage, run, shots, simulateHistory, until } from "./harness.mjs";

const password = "a long password for the browser test";

// A CA and a certificate it signed for 127.0.0.1, in `dir`.
function makeCertificate(dir) {
  const at = (file) => join(dir, file);
  run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=login test CA", "-keyout", at("ca.key"), "-out", at("ca.crt")]);
  run("openssl", ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", at("server.key"), "-out", at("server.csr")]);
  writeFileSync(at("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  run("openssl", ["x509", "-req", "-days", "2", "-in", at("server.csr"), "-CA", at("ca.crt"), "-CAkey", at("ca.key"), "-CAcreateserial", "-extfile", at("server.ext"), "-out", at("server.crt")]);
  return { cert: at("server.crt"), key: at("server.key") };
}

// The service's settings for HTTPS only with the password's hash: the certificate and the hash
// line made first.
async function httpsService() {
  const certDir = join(shots, "login-pki");
  mkdirSync(certDir, { recursive: true });
  const { cert, key } = makeCertificate(certDir);
  const hashLine = run(bin, ["passwd"], { input: `${password}\n` }).trim();
  check(hashLine.startsWith("SMARTMETER_HTTP_PASSWORD_HASH='$argon2id$"), `smartmeter passwd prints the hash line (${hashLine.slice(0, 40)}…)`);
  return {
    settings: [hashLine, `SMARTMETER_HTTP_TLS_CERT=${cert}`, `SMARTMETER_HTTP_TLS_KEY=${key}`],
    dashboard: /dashboard at (https:\/\/127\.0\.0\.1:\d+\/)/,
  };
}

await browserTest("login test", async ({ service, base, browser }) => {
  simulateHistory(service, 60);
  console.log(`ok - the service serves HTTPS at ${base}`);

  const refused = async (contextOptions, what) => {
    const { context, page } = await openPage(browser, { ignoreHTTPSErrors: true, ...contextOptions });
    // Chromium either shows the 401 answer or, having tried the credentials it was given, ends
    // the navigation with ERR_INVALID_AUTH_CREDENTIALS.
    const response = await page.goto(base).catch((error) => {
      check(/ERR_INVALID_AUTH_CREDENTIALS/.test(error.message), `${what}: the browser's login is refused`);
      return null;
    });
    if (response) check(response.status() === 401, `${what}: 401 (got ${response.status()})`);
    const body = response ? await response.text() : "";
    check(!/power-in|kWh/.test(body), `${what}: nothing of the dashboard shown`);
    const api = await context.request.get(new URL("api/meters", base).href);
    check(api.status() === 401, `${what}: the API answers 401 (got ${api.status()})`);
    check(!/meter_number|energy/.test(await api.text()), `${what}: the API says nothing of the meter`);
    await context.close();
  };
  await refused({}, "without a password");
  await refused({ httpCredentials: { username: "smartmeter", password: "wrong password" } }, "with a wrong password");

  const { page, context, errors } = await openPage(browser, {
    ignoreHTTPSErrors: true,
    httpCredentials: { username: "smartmeter", password },
  });
  const response = await page.goto(base);
  check(response.status() === 200, `logged in: the dashboard loads (${response.status()})`);
  const headers = response.headers();
  check(/frame-ancestors 'none'/.test(headers["content-security-policy"] || ""), "Content-Security-Policy sent");
  check(headers["x-frame-options"] === "DENY", "X-Frame-Options DENY");
  // The API over the same login, for the values the page must show.
  const meters = await until("the meter is listed", async () => {
    const body = await (await context.request.get(new URL("api/meters", base).href)).json();
    return body.meters.length === 1 ? body.meters : null;
  });
  const latest = await (await context.request.get(new URL(`api/meters/${meters[0].meter}/latest`, base).href)).json();
  check(latest.reading !== null, "the API answers with the login");
  const en = (digits) => new Intl.NumberFormat("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const power = (w) => (Math.abs(w) >= 1000 ? `${en(2).format(w / 1000)} kW` : `${en(0).format(w)} W`);
  const expected = power(latest.reading.values.PIn.value);
  await until(`power-in shows ${expected}`, async () => (await page.getByTestId("power-in").innerText()) === expected);
  console.log(`ok - power-in shows ${expected}`);
  await until("the diagnosis is shown", async () => (await page.getByTestId("diagnosis").innerText()) === "OK");
  await until("the 24-hour chart is drawn", async () => (await page.locator("#chart-power canvas").count()) === 1);
  check(errors.length === 0, `no errors in the page (${errors.join("; ")})`);
  const shot = join(shots, "login.png");
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`screenshot: ${shot}`);
  check(!service.log.includes(password), "the password is not in the service's log");
}, httpsService);
