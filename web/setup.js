// SPDX-License-Identifier: MIT
// The setup view on the health panel: the last telegrams of the chosen meter as they arrived
// (time, size, the first bytes, decoded or the error in plain words), the ones no meter could be
// named for, and what to check for the current diagnosis. Polls /api/telegrams every 5 s.
"use strict";

(() => {
  const SETUP_MS = 5000;
  const panel = document.querySelector("section.health");
  if (!panel) return;

  const el = (tag, props = {}, children = []) => {
    const node = document.createElement(tag);
    Object.assign(node, props);
    for (const child of children) node.append(child);
    return node;
  };

  const check = el("p", { className: "setup-check", id: "setup-check" });
  check.dataset.testid = "setup-check";
  const body = el("tbody");
  const table = el("table", { className: "telegrams" }, [
    el("thead", {}, [
      el("tr", {}, ["Time", "Bytes", "Result · first bytes"].map((t) => el("th", { textContent: t }))),
    ]),
    body,
  ]);
  table.dataset.testid = "telegrams";
  const note = el("p", { className: "sub", id: "setup-note" });
  const details = el("details", { className: "setup" }, [
    el("summary", { textContent: "Last telegrams" }),
    check,
    el("div", { className: "telegrams-scroll" }, [table]),
    note,
  ]);
  details.dataset.testid = "setup";
  // Open while setting up: when something is wrong, or asked for with #setup.
  details.open = location.hash === "#setup";
  panel.append(details);

  const time = (ms) =>
    viennaText(ms / 1000, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  const watts = (w) => (w == null ? "–" : `${Math.round(w)} W`);

  function result(t) {
    if (t.decoded) {
      const counter = t.frame_counter == null ? "" : ` · counter ${t.frame_counter}`;
      return el("span", { className: "ok", textContent: `decoded: ↓ ${watts(t.power_in)} ↑ ${watts(t.power_out)}${counter}` });
    }
    const where = t.offset_unit ? ` (at ${t.offset_unit} ${t.offset})` : "";
    return el("span", { className: "bad", textContent: `${t.error_text}${where}`, title: t.error });
  }

  function row(t, foreign) {
    // The head is the first 32 characters: more followed when it is that long.
    const more = t.head.length === 32 && t.size > 16 ? "…" : "";
    const tr = el("tr", {}, [
      el("td", { textContent: time(t.received_at) }),
      el("td", { textContent: String(t.size) }),
      el("td", {}, [result(t), el("div", { className: "hex", textContent: t.head + more })]),
    ]);
    if (foreign) tr.className = "unattributed";
    return tr;
  }

  // The chosen meter (app.js keeps it in `state`), else the only group there is.
  function chosen(groups) {
    const meter = typeof state === "object" && state.meter ? state.meter : null;
    return groups.find((g) => g.meter === meter) || groups.find((g) => g.meter != null) || null;
  }

  async function refresh() {
    const response = await fetch("api/telegrams", { cache: "no-store" });
    if (!response.ok) return;
    const answer = await response.json();
    const groups = answer.meters || [];
    const mine = chosen(groups);
    const loose = groups.find((g) => g.meter == null);
    const rows = [];
    for (const t of mine ? mine.telegrams : []) rows.push({ t, foreign: false });
    for (const t of loose ? loose.telegrams : []) rows.push({ t, foreign: true });
    rows.sort((a, b) => b.t.received_at - a.t.received_at);
    body.replaceChildren(...rows.slice(0, answer.per_meter).map((r) => row(r.t, r.foreign)));
    if (rows.length === 0) body.append(el("tr", {}, [el("td", { colSpan: 3, className: "muted", textContent: "No telegram has arrived since the service started." })]));

    const about = mine || loose || answer;
    const diagnosis = about.diagnosis || answer.diagnosis;
    const reason = about.reason ? `${about.reason}. ` : "";
    check.textContent = diagnosis === "ok" ? "What to check: nothing, telegrams arrive and decode." : `What to check: ${reason}${about.check || answer.check}`;
    check.classList.toggle("bad", diagnosis !== "ok");
    if (diagnosis !== "ok" && !details.dataset.touched) details.open = true;
    note.textContent = loose && loose.telegrams.length
      ? "Outlined rows named no meter (damaged frames or text that is not a telegram)."
      : "";
  }
  details.addEventListener("toggle", () => { details.dataset.touched = "1"; });

  const run = () => refresh().catch((error) => console.warn(`setup: ${error.message}`));
  run();
  setInterval(run, SETUP_MS);
})();
