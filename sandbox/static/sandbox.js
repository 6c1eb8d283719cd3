// The sandbox page: who you are, your conversations and App Home, the modal on top, and the clock.
"use strict";
const $ = (id) => document.getElementById(id);
let me = localStorage.getItem("sandbox-user") || "";
let current = localStorage.getItem("sandbox-channel") || "home";
let view = null;
let modalErrors = {};
let shownModal = null;
let people = [];
let playing = false;  // a simulated program was playing at the last look
// Bumped by every action: a poll that started before an action ended would show a stale state.
let epoch = 0;

async function api(route, body) {
  epoch++;
  const r = await fetch("/api/" + route, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ user: me, ...body }) });
  const answer = await r.json();
  epoch++;
  if (!answer.ok) { toast(answer.error || "That didn't work."); return null; }
  if (answer.state) { modalErrors = answer.errors || {}; show(answer.state); }
  else await refresh();
  return answer;
}

function toast(text, ms = 4000) {
  const t = $("toast"); t.textContent = text; t.hidden = false; t.onclick = () => (t.hidden = true);
  clearTimeout(toast.timer); toast.timer = setTimeout(() => (t.hidden = true), ms);
}

async function refresh() {
  const started = epoch;
  const r = await fetch("/api/state?user=" + encodeURIComponent(me));
  const state = await r.json();
  if (started === epoch) show(state);
}

function show(state) {
  view = state;
  // Someone else's conversation is not yours to see: fall back to your own DM with the bot.
  if (current !== "home" && !state.conversations.some((c) => c.id === current)) current = "D" + me.slice(1);
  $("now").textContent = "Bot's time: " + new Date(state.now).toUTCString().replace(/:\d\d GMT$/, " UTC");
  const nav = $("channels"); nav.innerHTML = "";
  const link = (id, label) => {
    const a = document.createElement("a"); a.textContent = label; a.dataset.channel = id;
    if (id === current) a.className = "active";
    a.onclick = () => { current = id; localStorage.setItem("sandbox-channel", id); if (id === "home") openHome(); else show(view); };
    nav.appendChild(a);
  };
  nav.insertAdjacentHTML("beforeend", "<h4>Apps</h4>"); link("home", "Mentor Bot · Home");
  nav.insertAdjacentHTML("beforeend", "<h4>Channels</h4>");
  state.conversations.filter((c) => c.id.startsWith("C")).forEach((c) => link(c.id, "# " + c.name));
  nav.insertAdjacentHTML("beforeend", "<h4>Direct messages</h4>");
  if (!state.conversations.some((c) => c.id === "D" + me.slice(1))) link("D" + me.slice(1), "Mentor Bot");
  state.conversations.filter((c) => !c.id.startsWith("C")).forEach((c) => link(c.id, c.id.startsWith("D") ? "Mentor Bot" : c.name));
  renderPane();
  renderModal();
  showSimulation(state.simulation);
}

// The owners' "Simulate a program": hidden for everyone else; while it plays, the page only watches.
function showSimulation(sim) {
  const owner = people.some((p) => p.id === me && p.owner);
  const button = $("simulate");
  button.hidden = !owner || sim.running;
  button.disabled = sim.played;
  button.textContent = sim.played ? "Program played" : "Simulate a program";
  button.title = sim.played ? "Reset to play it again" : "Plays a seeded 12-week program as the whole company";
  const progress = $("progress");
  progress.hidden = !sim.running;
  if (sim.running) progress.textContent = `Playing the program… week ${sim.week} of ${sim.weeks}`;
  document.body.classList.toggle("busy", sim.running);
  ["ff-day", "ff-week", "reset"].forEach((id) => ($(id).disabled = sim.running));
  if (playing && !sim.running && sim.note) toast(sim.note, 10000);
  playing = sim.running;
  if (playing && !showSimulation.polling) {
    showSimulation.polling = true;
    setTimeout(() => { showSimulation.polling = false; refresh(); }, 500);
  }
}

// Dates show in the chosen person's timezone, and "today" is the bot's day.
const clock = () => ({ tz: (people.find((p) => p.id === me) || {}).tz, now: view.now });
const ctxFor = (onAct, errors) => ({ names: { ...view.names, ...view.channels }, onAct, errors, ...clock() });

function renderPane() {
  const box = $("messages"); box.innerHTML = "";
  $("composer").hidden = current === "home";
  if (current === "home") {
    if (!view.home) { box.innerHTML = "<p>Opening App Home…</p>"; return; }
    BlockKit.render(view.home.blocks, box, ctxFor((action) => api("click", { action })));
    return;
  }
  const conversation = view.conversations.find((c) => c.id === current);
  for (const m of conversation ? conversation.messages : []) {
    const div = document.createElement("div"); div.className = "msg" + (m.ephemeral ? " ephemeral" : "");
    div.innerHTML = `<div class="who">${BlockKit.esc(view.names[m.user] || m.user)}<small>${m.ephemeral ? "Only visible to you" : ""}</small></div>`;
    if (m.file) div.insertAdjacentHTML("beforeend", `<div>${BlockKit.esc(m.title || "")}</div><img class="image" src="/files/${m.file}" alt="${BlockKit.esc(m.title || "chart")}">`);
    else if (m.blocks && m.blocks.length) BlockKit.render(m.blocks, div, ctxFor((action) => api("click", { action, channel: current, ts: m.ts })));
    else div.insertAdjacentHTML("beforeend", BlockKit.mrkdwn(m.text, { ...view.names, ...view.channels }, clock()));
    box.appendChild(div);
  }
  box.scrollTop = box.scrollHeight;
}

function renderModal() {
  const back = $("modal-backdrop"); const box = $("modal");
  const modal = view.modal;
  if (!modal) { back.hidden = true; box.innerHTML = ""; shownModal = null; return; }
  // Keep what the person typed when nothing about the modal changed.
  const key = JSON.stringify([modal.id, modal.hash, modal.blocks, modalErrors]);
  if (key === shownModal) return;
  shownModal = key;
  back.hidden = false; box.innerHTML = "";
  box.insertAdjacentHTML("beforeend", `<h3>${BlockKit.esc(modal.title && modal.title.text)}</h3>`);
  const inputs = BlockKit.render(modal.blocks, box, ctxFor((action) => api("click", { action }), modalErrors));
  const buttons = document.createElement("div"); buttons.className = "modal-buttons";
  const close = document.createElement("button"); close.type = "button"; close.className = "bk";
  close.textContent = (modal.close && modal.close.text) || "Close"; close.onclick = () => { modalErrors = {}; api("close", {}); };
  buttons.appendChild(close);
  if (modal.submit) {
    const submit = document.createElement("button"); submit.type = "button"; submit.className = "bk primary"; submit.id = "modal-submit";
    submit.textContent = modal.submit.text; submit.onclick = () => api("submit", { values: BlockKit.state(inputs) });
    buttons.appendChild(submit);
  }
  box.appendChild(buttons);
}

// App Home is (re)published when opened; while a program plays, the last one published is shown.
function openHome() { return playing ? refresh() : api("home", {}); }

async function start() {
  people = await (await fetch("/api/people")).json();
  const who = $("who");
  people.forEach((p) => who.appendChild(new Option(`${p.name} — ${p.title}, ${p.department}${p.owner ? " (program owner)" : ""}`, p.id)));
  if (!people.some((p) => p.id === me)) me = people[0].id;
  who.value = me;
  who.onchange = () => { me = who.value; localStorage.setItem("sandbox-user", me); shownModal = null; current === "home" ? openHome() : refresh(); };
  $("composer").onsubmit = (ev) => { ev.preventDefault(); const text = $("text").value.trim(); if (!text) return; $("text").value = ""; api("command", { text, channel: current }); };
  $("ff-day").onclick = () => api("fast-forward", { days: 1 });
  $("ff-week").onclick = () => api("fast-forward", { days: 7 });
  $("simulate").onclick = () => api("simulate", {});
  $("reset").onclick = () => { if (confirm("Forget everything and start again?")) api("reset", {}); };
  if (current === "home") await openHome(); else await refresh();
  setInterval(() => { if (!document.hidden) refresh(); }, 3000);
}
start();
