// SPDX-License-Identifier: MIT
// The quick start's backfill (`smartmeter simulate --backfill 48`, tools/quickstart.sh) against a
// throw-away mosquitto and `smartmeter run` on SQLite (web/test/harness.mjs): the 48 hours before
// the start reach history, the API's daily energy and the statistics tables' quarter-hours, and
// the month's peak says whether its quarter-hour is complete. No browser; no timing assertions
// (the waits only bound how long the test may hang).
import { spawnSync } from "node:child_process";

import { bin, check, fail, name, startService, until } from "./harness.mjs";

name("backfill test");
let service;
const started = Date.now();

try {
  service = await startService();
  const api = async (path) => {
    const response = await fetch(new URL(path, service.base));
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return response.json();
  };

  // As the quick start runs it, plus three paced telegrams so that the command ends.
  const hours = 48;
  const simulated = spawnSync(
    bin,
    ["simulate", "--port", service.port, "--topic", service.topic, "--seed", "7", "--backfill", String(hours), "--count", "3", "--interval", "0.2"],
    { cwd: service.dir, encoding: "utf8", timeout: 120000 },
  );
  if (simulated.status !== 0) fail(`smartmeter simulate exited with ${simulated.status}: ${simulated.stderr}`);
  const said = simulated.stderr.split("\n").find((line) => line.startsWith("backfilled"));
  check(!!said, `the simulator says what it backfilled (${said})`);
  const backfilled = Number((said.match(/: (\d+) telegram/) || [])[1]);
  check(backfilled === (hours * 3600) / 60, `one telegram per minute of the ${hours} hours (${backfilled})`);
  const sent = backfilled + 3;
  const startS = Math.floor(started / 1000);

  const stored = await until("every telegram is stored", async () => {
    const status = await api("api/status");
    return status.database.stored_readings >= sent ? status.database.stored_readings : null;
  }, 60000);
  check(stored === sent, `history holds ${sent} readings, one per telegram (${stored})`);

  const meter = await until("the meter lists its first stored reading", async () => {
    const meters = (await api("api/meters")).meters;
    return meters.length === 1 && meters[0].first_timestamp != null ? meters[0] : null;
  });
  const firstS = meter.first_timestamp;
  check(
    Number.isFinite(firstS) && firstS <= startS - hours * 3600 + 120 && firstS >= startS - hours * 3600 - 120,
    `the first reading is ${hours} h before the start`,
  );

  // Daily energy: three local days touched, the whole one between them complete and used.
  const daily = await api(`api/meters/${meter.meter}/daily?days=3`);
  const withEnergy = daily.days.filter((d) => d.energy_in_wh != null && d.energy_in_wh > 0);
  check(withEnergy.length >= 2, `at least two of the last three days have energy (${withEnergy.length})`);
  const yesterday = daily.days[daily.days.length - 2];
  check(yesterday.complete === true, `yesterday (${yesterday.date}) is complete`);
  const latest = await api(`api/meters/${meter.meter}/latest`);
  const power = await api(`api/meters/${meter.meter}/power?hours=48`);
  const filled = power.samples.filter((n) => n > 0).length;
  check(filled >= power.samples.length - 2, `the 48-hour power curve has no holes (${filled} of ${power.samples.length} steps)`);
  const counterGrowth = latest.reading.values.WIn.value;
  check(
    daily.total_in_wh > 0 && daily.total_in_wh <= counterGrowth,
    `the days' import (${daily.total_in_wh} Wh) is positive and below the counter (${counterGrowth} Wh)`,
  );

  // The statistics thread fills the quarter-hours of the backfill (192 in 48 hours).
  const quarters = await until("the statistics tables hold the backfilled quarter-hours", async () => {
    const rows = await api(`api/meters/${meter.meter}/statistics?interval=quarter-hour&format=json`);
    const complete = rows.filter((r) => r.complete);
    return complete.length >= (hours * 4) - 2 ? rows : null;
  }, 120000);
  const complete = quarters.filter((r) => r.complete);
  check(complete.every((r) => r.energyInWh != null && r.samples > 0), `${complete.length} complete quarter-hours with energy and samples`);
  const spanS = complete[complete.length - 1].end - complete[0].start;
  check(spanS >= (hours - 1) * 3600, `the quarter-hours span ${Math.round(spanS / 3600)} h`);

  // The month's peak: a quarter-hour still running is marked as not complete.
  const peak = await api(`api/meters/${meter.meter}/peak`);
  check(peak.peak !== null, "the month has a peak quarter-hour");
  const nowS = Date.now() / 1000;
  check(typeof peak.peak.complete === "boolean", "the peak says whether it is complete");
  if (peak.peak.end > nowS) check(peak.peak.complete === false, "a running quarter-hour is a peak so far");
  console.log(`backfill test: passed in ${Date.now() - started} ms`);
} catch (error) {
  process.exitCode = 1;
  if (!String(error.message).startsWith("backfill test")) console.error(error);
} finally {
  if (service) await service.stop();
}
