// warden GUI: live status, restarts, log tail, charts and the sandbox, fed by
// the Server-Sent Events of /api/events, read with fetch() so that the request
// can carry the bearer token (docs/gui.md). No framework, no inline code (the
// CSP is default-src 'self'), and text is only ever set through textContent:
// log lines may contain anything.
'use strict';

const LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'crit'];
const WINDOW_MS = 120 * 1000; // the charts' rolling window
const RATE_AVERAGE_SECONDS = 10; // the header's rate: complete seconds averaged
const LOG_MAX_LINES = 1000;
const RECONNECT_MS = 3000; // until the stream's own retry: says otherwise
const STALL_MS = 20000; // silence on the stream (status comes every second, a ping every 15 s)
const TOKEN_KEY = 'warden.token'; // in sessionStorage: this tab only, forgotten when it closes

const REASONS = {
  exit: (r) => `exited with status ${r.code}`,
  signal: (r) => `killed by signal ${r.code}`,
  violation: (r) => `seccomp violation: ${r.detail || 'syscall ' + r.code}`,
  heartbeat: () => 'missed heartbeats',
  malformed: () => 'sent malformed IPC',
  ready_timeout: () => 'not ready in time',
  reload: () => 'replaced on reload',
  attestation: (r) => `failed attestation: ${r.detail}`,
  none: () => 'ended',
};
const REASON_TONE = {
  violation: 'bad', malformed: 'bad', signal: 'bad', attestation: 'bad',
  exit: 'warn', heartbeat: 'warn', ready_timeout: 'warn', reload: 'ok',
};
const STATE_TONE = { running: 'ok', starting: 'warn', restarting: 'bad', draining: 'warn' };

const $ = (id) => document.getElementById(id);

// What the page shows, forgotten on logout.
function freshView() {
  return {
    generation: null, // of the child serving, as last seen
    lostAt: null, // when the stream was lost (ms), or null
    samples: [], // {t, conns}: one per status event
    rate: null, // the latest status's request_rate: {start_s, counts}
    nowMs: null, // the latest status's now_ns, in ms: the charts' right edge
    paused: false,
    held: [],
    minLevel: 1,
    origins: { parent: true, child: true, access: true }, // the log's shown origins
    text: '', // the log's text filter, lower case
    policyGeneration: null,
    lastEventId: null, // of the last log event, sent as Last-Event-ID on reconnect
  };
}

const ui = Object.assign(freshView(), {
  token: null, // the bearer token, or null (none configured, or logged out)
  stream: null, // the AbortController of the event stream being read
  reconnect: null, // the timer that reconnects it
  retryMs: RECONNECT_MS,
  session: 0, // bumped on logout: answers to older requests are dropped
  pristine: null, // a copy of <main> as loaded, to show nothing again on logout
});

// ---- Formatting ----------------------------------------------------------------

function duration(ms) {
  if (!(ms >= 0)) return '–';
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24;
  const m = Math.floor(s / 60) % 60, sec = s % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${sec}s`;
  return `${sec}s`;
}

function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n >= 10 || i === 0 ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}

// Every time the page shows is UTC, as the log file's stamps are; the
// header says so once, and the longer forms say "UTC".
function utcTime(ms) {
  const d = new Date(ms);
  return Number.isFinite(d.getTime()) ? d.toISOString().slice(11, 19) : '–';
}

function utcDateTime(ms) {
  const d = new Date(ms);
  if (!Number.isFinite(d.getTime())) return '–';
  const iso = d.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

function ago(ms) {
  return `${duration(Date.now() - ms)} ago`;
}

function setText(id, text) {
  const el = $(id);
  if (el.textContent !== String(text)) el.textContent = text;
}

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

// ---- Connection state --------------------------------------------------------

function setLink(state, text) {
  const badge = $('link');
  badge.dataset.link = state;
  badge.dataset.tone = state === 'live' ? 'ok' : state === 'lost' ? 'bad' : 'muted';
  badge.textContent = text;
}

function banner(tone, text) {
  const b = $('banner');
  if (!tone) {
    b.hidden = true;
    return;
  }
  b.dataset.tone = tone;
  b.textContent = text;
  b.hidden = false;
}

function onOpen() {
  setLink('live', 'live');
  document.querySelector('main').classList.remove('stale');
  if (ui.lostAt !== null) {
    banner('ok', `Connection restored after ${duration(Date.now() - ui.lostAt)}.`);
    ui.lostAt = null;
    setTimeout(() => { if (ui.lostAt === null && $('banner').dataset.tone === 'ok') banner(null); }, 8000);
  }
}

function onLost() {
  ui.stream = null;
  if (ui.lostAt === null) ui.lostAt = Date.now();
  setLink('lost', 'disconnected');
  document.querySelector('main').classList.add('stale');
  const state = $('state');
  state.textContent = 'state unknown';
  state.dataset.tone = 'muted';
  banner('bad', `Connection to warden lost at ${utcTime(ui.lostAt)} UTC; reconnecting…`);
  ui.reconnect = setTimeout(connect, ui.retryMs);
}

function authHeaders() {
  return ui.token === null ? {} : { Authorization: `Bearer ${ui.token}` };
}

// ---- The event stream ------------------------------------------------------------
// EventSource cannot send an Authorization header, so the stream is read with
// fetch() and parsed here by the rules of the HTML standard's
// text/event-stream: lines end in CRLF, LF or CR; "field: value" with one
// space after the colon dropped; a line starting with ':' is a comment; a
// blank line dispatches the event; `id` is remembered (and sent back as
// Last-Event-ID after a drop) even by an event without data; `retry` sets
// the reconnection delay.

function eventStreamParser(on) {
  let pending = '', data = [], type = '', id = ui.lastEventId;
  function field(line) {
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'event') type = value;
    else if (name === 'data') data.push(value);
    else if (name === 'id' && !value.includes('\0')) id = value;
    else if (name === 'retry' && /^[0-9]+$/.test(value)) on.retry(Number(value));
  }
  function dispatch() {
    on.id(id);
    if (data.length > 0) on.event(type || 'message', data.join('\n'));
    data = [];
    type = '';
  }
  return (text) => {
    pending += text;
    const ends = /\r\n|\r|\n/g;
    let from = 0, m;
    while ((m = ends.exec(pending)) !== null) {
      // A CR last in the chunk may be the first half of a CRLF: wait for more.
      if (m[0] === '\r' && m.index === pending.length - 1) break;
      const line = pending.slice(from, m.index);
      from = ends.lastIndex;
      if (line === '') dispatch();
      else if (!line.startsWith(':')) field(line);
    }
    pending = pending.slice(from);
  };
}

function onEvent(type, data) {
  if (type === 'status') onStatus(JSON.parse(data));
  else if (type === 'log') onLog(JSON.parse(data));
}

async function readEvents(body, stream) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parse = eventStreamParser({
    event: onEvent,
    id: (id) => { ui.lastEventId = id; },
    retry: (ms) => { ui.retryMs = ms; },
  });
  let stall = setTimeout(() => stream.abort(), STALL_MS);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      clearTimeout(stall);
      stall = setTimeout(() => stream.abort(), STALL_MS);
      parse(decoder.decode(value, { stream: true }));
    }
  } finally {
    clearTimeout(stall);
  }
}

async function connect() {
  clearTimeout(ui.reconnect);
  const stream = new AbortController();
  ui.stream = stream;
  const headers = authHeaders();
  if (ui.lastEventId !== null) headers['Last-Event-ID'] = ui.lastEventId;
  try {
    // priority 'low': a stream that never ends is not part of loading the
    // page (tools that wait for the page to settle, Lighthouse among
    // them, would otherwise wait for it).
    const res = await fetch('/api/events', { cache: 'no-store', headers, signal: stream.signal, priority: 'low' });
    if (ui.stream !== stream) return; // logged out meanwhile
    if (res.status === 401) return refused();
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
    onOpen();
    await readEvents(res.body, stream);
  } catch (err) {
    // Lost, stalled (aborted by readEvents) or logged out (ui.stream gone).
  }
  if (ui.stream === stream) onLost();
}

function stopStream() {
  clearTimeout(ui.reconnect);
  const stream = ui.stream;
  ui.stream = null;
  if (stream) stream.abort();
}

// ---- Sign-in ---------------------------------------------------------------------
// With a token configured, every data endpoint wants "Authorization: Bearer";
// the page and its assets do not, so the page can ask for it here. The token
// lives in memory and in sessionStorage (this tab, until it closes), never in
// localStorage, a cookie or a URL; see docs/gui.md for why.

function loginError(text) {
  const p = $('login-error');
  p.textContent = text || '';
  p.hidden = !text;
  $('token').setAttribute('aria-invalid', String(Boolean(text)));
}

function showLogin(message) {
  $('dashboard').hidden = true;
  $('login').hidden = false;
  $('logout').hidden = true;
  $('raw-links').hidden = true; // auth is on: plain links would get 401
  banner(null);
  setLink('signed-out', 'signed out');
  const state = $('state');
  state.textContent = 'unknown';
  state.dataset.tone = 'muted';
  loginError(message);
  $('token').focus();
}

function showDashboard() {
  $('login').hidden = true;
  $('dashboard').hidden = false;
  $('logout').hidden = ui.token === null;
  $('raw-links').hidden = ui.token !== null; // plain links cannot carry the token
  setLink('connecting', 'connecting…');
}

// Forgets the token and everything the page showed, then asks again.
function logout(message) {
  stopStream();
  ui.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  ui.session++;
  const fresh = ui.pristine.cloneNode(true);
  $('dashboard').replaceWith(fresh);
  for (const id of ['version', 'host', 'listen']) setText(id, '–'); // the header's data too
  Object.assign(ui, freshView(), { retryMs: RECONNECT_MS });
  bindDashboard();
  showLogin(message);
}

// A data endpoint answered 401: no token yet, or one no longer accepted
// (warden restarted with another).
function refused() {
  logout(ui.token === null ? null : 'The token is no longer accepted; sign in again.');
}

async function signIn(event) {
  event.preventDefault();
  const input = $('token'), submit = $('login-submit');
  const token = input.value.trim();
  if (!/^[\x21-\x7e]+$/.test(token)) return loginError('A token is printable ASCII with no spaces.');
  submit.disabled = true;
  let res;
  try {
    res = await fetch('/api/status', { cache: 'no-store', headers: { Authorization: `Bearer ${token}` } });
  } catch (err) {
    return loginError(`Cannot reach warden: ${err.message}`);
  } finally {
    submit.disabled = false;
  }
  if (res.status === 401) {
    input.select();
    return loginError('That token was not accepted.');
  }
  if (!res.ok) return loginError(`warden answered ${res.status}; try again.`);
  input.value = '';
  loginError(null);
  ui.token = token;
  sessionStorage.setItem(TOKEN_KEY, token);
  showDashboard();
  connect();
}

// ---- Status ----------------------------------------------------------------------

function onStatus(s) {
  const child = s.child, parent = s.parent;
  const generation = parent ? parent.generation : child.generation;
  if (ui.generation !== null && generation !== ui.generation) newGeneration(ui.generation, generation, parent);
  ui.generation = generation;
  document.body.dataset.generation = generation;

  const state = parent ? parent.state : 'running';
  const badge = $('state');
  badge.textContent = parent ? state : 'running (no supervisor data)';
  badge.dataset.tone = child.draining ? 'warn' : STATE_TONE[state] || 'muted';

  const nowMs = s.now_ns / 1e6;
  setText('version', child.version || '–');
  setText('host', child.host || '–');
  setText('listen', child.listen || '–');
  setText('generation', generation);
  setText('child-pid', parent ? parent.child_pid : child.pid);
  setText('uptime', duration(child.uptime_ns / 1e6));
  setText('restarts', parent ? parent.restarts : '–');
  setText('failovers', parent ? parent.failovers : '–');
  setText('standby', parent ? standbyText(parent.standby) : '–');
  setText('trace', parent ? traceText(parent.trace) : '–');
  setText('violations', parent ? parent.violations : '–');
  setText('parent-uptime', parent ? duration(nowMs - parent.parent_start_ns / 1e6) : '–');
  const k = child.counters;
  setText('connections', `${k.connections_open} / ${child.max_connections}`);
  setText('requests', k.requests.toLocaleString());
  const mem = child.memory;
  setText('memory', `${bytes(mem.used)} / ${bytes(mem.reserved)}`);
  $('memory').title = `peak ${bytes(mem.peak)}, ${mem.failures} allocations refused`;

  renderTimeline(parent ? parent.recent_restarts : []);
  renderSandbox(child);
  addSample(nowMs, k.connections_open, s.request_rate);
  if (ui.policyGeneration !== generation) loadPolicy(generation);
  if (!(ui.violationsAt > nowMs - 5000)) {
    ui.violationsAt = nowMs;
    loadViolations();
  }
}

// "ready, pid 4243"; "off"; "waiting".
function standbyText(sb) {
  return sb.pid ? `${sb.state}, pid ${sb.pid}` : sb.state;
}

// "5,120 records · 1 rotation"; drops and errors only when there are any.
function traceText(t) {
  if (!t) return 'off';
  const parts = [`${t.records.toLocaleString()} records`];
  if (t.rotations) parts.push(`${t.rotations} rotation${t.rotations === 1 ? '' : 's'}`);
  if (t.dropped) parts.push(`${t.dropped.toLocaleString()} dropped`);
  if (t.errors) parts.push(`${t.errors.toLocaleString()} write errors`);
  return parts.join(' · ');
}

function outageText(ms) {
  return ms < 1000 ? `${ms} ms` : duration(ms);
}

function newGeneration(from, to, parent) {
  const last = parent && parent.recent_restarts.find((r) => r.generation === from);
  const why = last ? ` (${(REASONS[last.reason] || REASONS.none)(last)})` : '';
  banner('info', `The child restarted: generation ${to} replaced ${from}${why}.`);
  ui.samples = []; // the open connections are the new child's
  logGap(`generation ${to} starts`);
}

function renderTimeline(restarts) {
  const list = $('timeline');
  list.replaceChildren();
  for (const r of restarts) {
    const item = el('li');
    item.dataset.tone = REASON_TONE[r.reason] || 'muted';
    const when = r.time_ns / 1e6;
    item.append(el('div', 'when', `${utcDateTime(when)} · ${ago(when)}`));
    item.append(el('div', 'what', `Generation ${r.generation} ${(REASONS[r.reason] || REASONS.none)(r)}`));
    if (r.detail && r.reason !== 'violation') item.append(el('div', 'detail', r.detail));
    if (r.outage_ms) item.append(el('div', 'detail', `no serving child for ${outageText(r.outage_ms)}`));
    list.append(item);
  }
  $('timeline-empty').hidden = restarts.length > 0;
}

// Each protection as the parent saw it from outside (in /proc): attested,
// claimed by the child but not seen (a warning), or not claimed at all.
const PROTECTION = {
  attested: ['on', '✓ seen from outside', 'claimed by the child and seen in force by the parent in /proc'],
  unattested: ['warn', '! claimed only', 'claimed by the child, not seen from outside: the parent could not check it'],
  off: ['off', '', 'not claimed: not in force'],
};

function renderSandbox(child) {
  setText('identity', `${child.user || 'uid'} (${child.uid}) / ${child.group || 'gid'} (${child.gid})`);
  const chips = $('protections');
  const s = child.sandbox;
  const state = (n) => (s.attested.includes(n) ? 'attested' : s.claimed.includes(n) ? 'unattested' : 'off');
  const names = s.claimed.concat(s.not_claimed).map((n) => [n, state(n)]);
  const key = names.map((n) => n.join(':')).join(',');
  if (chips.dataset.key === key) return;
  chips.dataset.key = key;
  chips.replaceChildren(...names.map(([name, state]) => {
    const [cls, mark, title] = PROTECTION[state];
    const chip = el('li', cls, `${name.replace(/_/g, ' ')}${mark ? ' ' + mark : ''}`);
    chip.title = title;
    return chip;
  }));
}

// ---- Policy ----------------------------------------------------------------------

// The rules from the policy text: "syscall: expression" (or a bare name),
// continued on indented lines, with the comment block above as the reason.
function parseRules(text) {
  const rules = [];
  let comment = [], current = null, inParams = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) {
      comment.push(line.replace(/^#\s?/, ''));
      current = null;
      continue;
    }
    if (line.trim() === '') {
      current = null;
      inParams = false;
      if (comment.length && !rules.length) comment = [];
      continue;
    }
    if (/^\s/.test(line)) {
      if (current) current.expr += ' ' + line.trim();
      continue;
    }
    if (/^uint\s/.test(line)) {
      inParams = true;
      comment = [];
      continue;
    }
    if (inParams) continue;
    const m = /^([a-z0-9_]+)\s*(?::\s*(.*))?$/.exec(line);
    if (!m) continue;
    const why = comment.join(' ').split(/\.\s/)[0];
    current = { name: m[1], expr: m[2] || 'always', why };
    rules.push(current);
    comment = [];
  }
  return rules;
}

const DENY_WORDS = {
  trap: 'reported, then the child exits',
  notify: 'read by the parent, which kills the child',
  complain: 'LET THROUGH and reported (complain mode)',
  kill: 'kill the child',
};

function renderPolicy(p) {
  setText('filter', `${p.instructions} BPF instructions, ${p.enforced ? 'enforced' : 'not loaded'}; denied calls ${DENY_WORDS[p.deny_action] || p.deny_action}`);
  $('complain-banner').hidden = p.mode !== 'complain';
  const f = p.parameters;
  setText('fds', `ipc ${f.ipc_fd}, log ${f.logfile_fd}, gui ${f.gui_socket_fd}, epoll ${f.epoll_fd}, clients ${f.first_client_fd}–${f.fd_limit - 1}`);
  $('rules').replaceChildren(...parseRules(p.text).map((r) => {
    const row = el('tr');
    row.append(el('td', '', r.name));
    const cell = el('td');
    cell.append(el('code', '', r.expr.replace(/\s+/g, ' ')));
    if (r.why) cell.append(el('div', 'why', r.why.replace(/\.?$/, '.')));
    row.append(cell);
    return row;
  }));
  setText('policy-text', p.text);
}

async function loadPolicy(generation) {
  const session = ui.session;
  ui.policyGeneration = generation;
  try {
    const res = await fetch('/api/policy', { cache: 'no-store', headers: authHeaders() });
    if (session !== ui.session) return; // logged out meanwhile
    if (res.status === 401) return refused();
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const policy = await res.json();
    if (session === ui.session) renderPolicy(policy);
  } catch (err) {
    if (session !== ui.session) return;
    ui.policyGeneration = null; // try again with the next status
    setText('filter', `policy unavailable: ${err.message}`);
  }
}

// ---- Violations, as the parent explained them ---------------------------------------

function violationItem(v) {
  const li = el('li');
  li.dataset.level = v.action === 'complain' ? 'warning' : 'error';
  li.append(el('span', 'muted', `${v.count}× ${v.action}, generation ${v.generation}, ${clock(v.time_ns / 1e6)} `));
  li.append(el('code', '', v.explanation));
  li.title = `${v.call}`;
  return li;
}

async function loadViolations() {
  const session = ui.session;
  try {
    const res = await fetch('/api/violations', { cache: 'no-store', headers: authHeaders() });
    if (session !== ui.session || !res.ok) return;
    const doc = await res.json();
    if (session !== ui.session) return;
    $('complain-banner').hidden = doc.mode !== 'complain';
    $('violation-list').replaceChildren(...doc.violations.map(violationItem));
    $('violations-empty').hidden = doc.violations.length > 0;
  } catch (err) {
    // the next status tries again
  }
}

// ---- Log tail --------------------------------------------------------------------

// Where a line comes from, for the filter: the parent, the child, or the
// child's access log (one line per response).
function logOrigin(rec) {
  if (rec.access) return 'access';
  return rec.origin === 'parent' ? 'parent' : 'child';
}

// Whether the filters let a line show: its level, its origin, the text.
function logShown(item) {
  return LEVELS.indexOf(item.dataset.level) >= ui.minLevel && ui.origins[item.dataset.origin] &&
    (ui.text === '' || item.textContent.toLowerCase().includes(ui.text));
}

function logItem(rec) {
  const item = el('li');
  item.dataset.level = rec.level;
  item.dataset.origin = logOrigin(rec);
  item.dataset.id = rec.id;
  item.append(el('span', 'time', rec.time.slice(11, 23)));
  item.append(el('span', 'level', rec.level));
  item.append(el('span', 'origin', rec.origin));
  item.append(el('span', 'text', rec.text));
  item.title = rec.time;
  if (!logShown(item)) item.classList.add('filtered');
  return item;
}

function appendLines(items) {
  const list = $('log-lines');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.append(...items);
  while (list.childElementCount > LOG_MAX_LINES) list.firstElementChild.remove();
  if (atBottom) list.scrollTop = list.scrollHeight;
}

function onLog(rec) {
  const item = logItem(rec);
  if (ui.paused) {
    ui.held.push(item);
    ui.held.splice(0, ui.held.length - LOG_MAX_LINES);
    setText('log-held', `${ui.held.length} new line${ui.held.length === 1 ? '' : 's'} held`);
  } else {
    appendLines([item]);
  }
}

function logGap(text) {
  const item = el('li', 'gap', `— ${text} —`);
  if (ui.paused) ui.held.push(item);
  else appendLines([item]);
}

function togglePause() {
  ui.paused = !ui.paused;
  const button = $('log-pause');
  button.setAttribute('aria-pressed', String(ui.paused));
  button.textContent = ui.paused ? 'Resume' : 'Pause';
  if (!ui.paused) {
    for (const item of ui.held) if (item.dataset.level) item.classList.toggle('filtered', !logShown(item));
    appendLines(ui.held);
    ui.held = [];
    setText('log-held', '');
  }
}

// The filters as the controls say, applied to every line held.
function setFilters() {
  ui.minLevel = Number($('log-level').value);
  for (const origin of Object.keys(ui.origins)) ui.origins[origin] = $(`log-${origin}`).checked;
  ui.text = $('log-text').value.trim().toLowerCase();
  for (const item of $('log-lines').children) {
    if (item.dataset.level) item.classList.toggle('filtered', !logShown(item));
  }
}

// ---- Charts ----------------------------------------------------------------------

function addSample(t, conns, rate) {
  ui.samples.push({ t, conns });
  while (ui.samples.length && ui.samples[0].t < t - WINDOW_MS) ui.samples.shift();
  ui.rate = rate || null;
  ui.nowMs = t;
  setText('rate-now', rateNow(ui.rate));
  setText('conn-now', String(conns));
  drawCharts();
}

// The complete seconds of the server's own counts, one point each: {t: the
// second's start in ms, v: requests}. The last count is the current second,
// still counting: left out.
function rateSeries(rate) {
  if (!rate) return [];
  return rate.counts.slice(0, -1).map((v, i) => ({ t: (rate.start_s + i) * 1000, v }));
}

// Requests per second over the last complete seconds.
function rateNow(rate) {
  if (!rate) return '–';
  const last = rate.counts.slice(0, -1).slice(-RATE_AVERAGE_SECONDS);
  const perSecond = last.reduce((a, b) => a + b, 0) / last.length;
  return `${perSecond.toFixed(perSecond < 10 ? 1 : 0)}/s`;
}

function css(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function niceMax(v) {
  if (v <= 1) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

// Draws `series` ({t, v}, by time) over the two minutes ending at `end`
// (ms), as steps one second wide (a count per second) or as a line
// through the samples. The series stays on the canvas (canvas.series),
// which is what it shows.
function drawChart(canvas, series, end, steps) {
  canvas.series = series;
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
  }
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, w, h);
  const pad = { l: 34, r: 6, t: 8, b: 18 };
  const pw = w - pad.l - pad.r, ph = h - pad.t - pad.b;
  const max = niceMax(Math.max(0, ...series.map((p) => p.v)));
  const x = (t) => pad.l + pw * (1 - (end - t) / WINDOW_MS);
  const y = (v) => pad.t + ph * (1 - v / max);

  g.font = '11px system-ui, sans-serif';
  g.fillStyle = css('--muted');
  g.strokeStyle = css('--line');
  g.lineWidth = 1;
  for (const f of [0, 0.5, 1]) {
    const yy = Math.round(y(max * f)) + 0.5;
    g.beginPath();
    g.moveTo(pad.l, yy);
    g.lineTo(w - pad.r, yy);
    g.stroke();
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    g.fillText(String(+(max * f).toFixed(2)), pad.l - 6, yy);
  }
  g.textAlign = 'left';
  g.textBaseline = 'top';
  g.fillText(utcTime(end - WINDOW_MS), pad.l, h - pad.b + 4);
  g.textAlign = 'right';
  g.fillText(`${utcTime(end)} UTC`, w - pad.r, h - pad.b + 4);
  if (series.length < (steps ? 1 : 2)) return;

  g.save();
  g.beginPath();
  g.rect(pad.l, 0, pw, h);
  g.clip();
  g.beginPath();
  series.forEach((p, i) => {
    if (i) g.lineTo(x(p.t), y(p.v));
    else g.moveTo(x(p.t), y(p.v));
    if (steps) g.lineTo(x(p.t + 1000), y(p.v));
  });
  const first = series[0], last = series[series.length - 1];
  g.strokeStyle = css('--accent');
  g.lineWidth = 2;
  g.lineJoin = 'round';
  g.stroke();
  g.lineTo(x(steps ? last.t + 1000 : last.t), y(0));
  g.lineTo(x(first.t), y(0));
  g.closePath();
  g.fillStyle = css('--accent-soft');
  g.fill();
  g.restore();
}

function drawCharts() {
  const end = ui.nowMs === null ? Date.now() : ui.nowMs;
  drawChart($('chart-rate'), rateSeries(ui.rate), end, true);
  drawChart($('chart-conn'), ui.samples.map((p) => ({ t: p.t, v: p.conns })), end, false);
}

// ---- Start -----------------------------------------------------------------------

// The controls inside <main>, bound again when logout puts a fresh copy in.
function bindDashboard() {
  $('log-pause').addEventListener('click', togglePause);
  for (const id of ['log-level', 'log-parent', 'log-child', 'log-access']) $(id).addEventListener('change', setFilters);
  $('log-text').addEventListener('input', setFilters);
  setFilters();
  drawCharts();
}

function start() {
  ui.pristine = $('dashboard').cloneNode(true);
  ui.token = sessionStorage.getItem(TOKEN_KEY); // kept across a reload of this tab
  bindDashboard();
  $('login-form').addEventListener('submit', signIn);
  $('logout').addEventListener('click', () => logout(null));
  window.addEventListener('resize', drawCharts);
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', drawCharts);
  showDashboard();
  connect();
}

start();
