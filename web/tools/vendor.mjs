// SPDX-License-Identifier: MIT
// Copies the charting library's distribution files from node_modules into vendor/, where the
// build embeds them into the binary (so that building needs no network and no npm). Run after
// changing the uplot version in package.json: npm ci && npm run vendor
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const from = join(web, "node_modules", "uplot");
const to = join(web, "vendor", "uplot");
mkdirSync(to, { recursive: true });
for (const file of ["dist/uPlot.iife.min.js", "dist/uPlot.min.css", "LICENSE"]) {
  copyFileSync(join(from, file), join(to, file.replace("dist/", "")));
  console.log(`vendor: ${file} -> vendor/uplot/`);
}
