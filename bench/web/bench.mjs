// The web client's figures, printed as a table (run by scripts/bench-web):
//   node bench.mjs NODE_MODULES BASE_URL STATIC_DIR SERVER_VERSION
// Seeds a team with a short channel and one of 10,000 posts, then measures in headless
// Chromium: first paint (navigation start → the first message list on screen), channel
// switching (click → the other channel's messages on screen), and scrolling the long channel
// from its newest to its oldest message (frame times, long tasks, articles in the page).

import { createRequire } from 'node:module';
import path from 'node:path';
import fs from 'node:fs';
import zlib from 'node:zlib';

const [modules, base, staticDir, version] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modules), 'noop.js'));
const puppeteer = require('puppeteer-core');
const API = `${base}/api/v4`;
const LONG = 10000;

async function rest(method, p, token, body) {
  const r = await fetch(`${API}${p}`, { method, headers: token ? { Authorization: `Bearer ${token}` } : {}, body: body && JSON.stringify(body) });
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${await r.text()}`);
  return r.headers.get('token') || r.json();
}

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };

// Bundle size: every HTML, JS and CSS file, gzipped at the level the build uses.
const files = walk(staticDir).filter((f) => /\.(html|js|css)$/.test(f));
const raw = files.reduce((n, f) => n + fs.statSync(f).size, 0);
const gz = files.reduce((n, f) => n + zlib.gzipSync(fs.readFileSync(f), { level: 9 }).length, 0);

await rest('POST', '/users', null, { email: 'a@example.com', username: 'admin', password: 'admin-password-1' });
const token = await rest('POST', '/users/login', null, { login_id: 'admin', password: 'admin-password-1' });
const team = await rest('POST', '/teams', token, { name: 'bench', display_name: 'Bench', type: 'O' });
const long = await rest('POST', '/channels', token, { team_id: team.id, name: 'long', display_name: 'Long', type: 'O' });
const town = await rest('GET', `/teams/${team.id}/channels/name/town-square`, token);
const t0 = Date.now();
for (let i = 0; i < 30; i++) await rest('POST', '/posts', token, { channel_id: town.id, message: `short channel message ${i} with **bold** and \`code\`` });
let next = 0;
await Promise.all(Array.from({ length: 16 }, async () => {
  while (next < LONG) {
    const i = next++;
    const message = i % 10 === 0 ? `message ${i}\n\n- a list\n- of things\n\n\`\`\`\ncode ${i}\n\`\`\`` : `message ${i}: the quick brown fox jumps over the lazy dog, see https://example.com/${i}`;
    await rest('POST', '/posts', token, { channel_id: long.id, message });
  }
}));
const seedSecs = (Date.now() - t0) / 1000;

const browser = await puppeteer.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage();
await page.setViewport({ width: 1280, height: 800 });
await page.goto(`${base}/perch/`);
await page.waitForSelector('#login-id');
await page.type('#login-id', 'admin');
await page.type('#login-pass', 'admin-password-1');
await page.click('button[type=submit]');
await page.waitForSelector('[role="log"] article');

// First paint: a fresh load of the channel page, navigation start → articles on screen.
const paints = [];
for (let i = 0; i < 7; i++) {
  await page.goto(`${base}/perch/bench/channels/town-square`, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('[role="log"] article');
  paints.push(await page.evaluate(() => performance.now()));
}

// Channel switches: click → the other channel's newest message on screen.
const switches = [];
for (let i = 0; i < 10; i++) {
  const to = i % 2 === 0 ? 'Long' : 'Town Square';
  const want = i % 2 === 0 ? `message ${LONG - 1}` : 'short channel message 29';
  switches.push(await page.evaluate((name, w) => new Promise((resolve) => {
    const link = [...document.querySelectorAll('nav[aria-label="Channels"] a')].find((a) => a.getAttribute('aria-label') === name);
    const start = performance.now();
    link.click();
    const check = () => {
      const arts = document.querySelectorAll('[role="log"] article');
      if (arts.length && arts[arts.length - 1].textContent.includes(w)) resolve(performance.now() - start);
      else requestAnimationFrame(check);
    };
    check();
  }), to, want));
}

// Scrolling the 10,000 messages from the newest to the oldest, 600 px a frame.
await page.evaluate(() => [...document.querySelectorAll('nav[aria-label="Channels"] a')].find((a) => a.getAttribute('aria-label') === 'Long').click());
await page.waitForFunction((w) => [...document.querySelectorAll('[role="log"] article')].some((a) => a.textContent.includes(w)), {}, `message ${LONG - 1}`);
const scroll = await page.evaluate(() => new Promise((resolve) => {
  const log = document.querySelector('[role="log"]');
  const frames = [];
  let longTasks = 0;
  let maxArticles = 0;
  new PerformanceObserver((l) => { longTasks += l.getEntries().length; }).observe({ type: 'longtask', buffered: false });
  let last = performance.now();
  const start = last;
  const step = () => {
    const now = performance.now();
    frames.push(now - last);
    last = now;
    maxArticles = Math.max(maxArticles, log.querySelectorAll('article').length);
    log.scrollTop -= 600;
    const done = log.querySelector('.intro') && log.scrollTop === 0;
    if (done || now - start > 60000) resolve({ frames, longTasks, maxArticles, secs: (now - start) / 1000, reachedTop: !!done });
    else requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}));
await browser.close();

const rows = [
  ['client HTML+JS+CSS, gzipped', `${(gz / 1024).toFixed(1)} KiB (${(raw / 1024).toFixed(1)} KiB raw, ${files.length} files)`, '≤ 150 KiB'],
  ['first message list painted after load', `${median(paints).toFixed(0)} ms median of ${paints.length} (max ${Math.max(...paints).toFixed(0)})`, '≤ 300 ms'],
  ['channel switch', `${median(switches).toFixed(0)} ms median of ${switches.length} (max ${Math.max(...switches).toFixed(0)})`, '≤ 100 ms'],
  [`scroll ${LONG} messages to the top`, `${scroll.reachedTop ? 'reached the first message' : 'did NOT reach the top'} in ${scroll.secs.toFixed(1)} s, frames p50 ${pct(scroll.frames, 0.5).toFixed(1)} ms, p95 ${pct(scroll.frames, 0.95).toFixed(1)} ms, max ${Math.max(...scroll.frames).toFixed(0)} ms; ${scroll.longTasks} long tasks; at most ${scroll.maxArticles} articles in the page`, 'smooth'],
];
console.log(`Perch web client — ${version}; seeded ${LONG + 30} posts in ${seedSecs.toFixed(1)} s; headless Chromium, 1280×800, localhost`);
const w = Math.max(...rows.map((r) => r[0].length));
for (const [k, v, budget] of rows) console.log(`${k.padEnd(w)}  ${v}  [budget ${budget}]`);
