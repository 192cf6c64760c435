// Files in the web client, in a real browser: Debian's Chromium driven by puppeteer-core against
// a real Perch server. Usage:
//
//   node web_files.mjs NODE_MODULES_DIR BASE_URL SHOTS_DIR
//
// BASE_URL is a fresh server (no accounts). The browser attaches a PNG (made here) and a text
// file with the composer's file chooser, sees them uploaded, sends them with a message, and
// sees the post with the image's thumbnail and both files as download links with their sizes;
// the thumbnail opens the preview; the downloads give the bytes back. A webhook's multipart
// call with a file arrives live with its file. Screenshots go to SHOTS_DIR. Exits non-zero at
// the first problem.

import { createRequire } from 'node:module';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import zlib from 'node:zlib';

const [modules, base, shots] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modules), 'noop.js'));
const puppeteer = require('puppeteer-core');
fs.mkdirSync(shots, { recursive: true });

const API = `${base}/api/v4`;
const fail = (msg) => { throw new Error(msg); };
const aria = (role, name) => `::-p-aria([name="${name}"][role="${role}"])`;

async function rest(method, p, token, body) {
  const r = await fetch(`${API}${p}`, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) fail(`${method} ${p}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** A real PNG: a w×h RGB gradient. */
function png(w, h) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3;
      raw[o] = (x * 255 / w) | 0; raw[o + 1] = 120; raw[o + 2] = (y * 255 / h) | 0;
    }
  }
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'perch-web-files-'));
const chart = path.join(tmp, 'chart.png');
const log = path.join(tmp, 'build.log');
fs.writeFileSync(chart, png(360, 240));
fs.writeFileSync(log, 'step 1 ok\n'.repeat(300));

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
});
const problems = [];
const page = await browser.newPage();
page.on('console', (m) => {
  if (m.type() !== 'error') return;
  if (m.text().startsWith('Failed to load resource: the server responded')) return;
  problems.push(`console error: ${m.text()}`);
});
page.on('response', (r) => {
  if (r.status() < 400) return;
  // A thumbnail is made just after the upload: until then it is a 404 and the client asks again.
  if (r.status() === 404 && /\/thumbnail(\?|$)/.test(r.url())) return;
  problems.push(`${r.request().method()} ${r.url()}: ${r.status()}`);
});
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
page.setDefaultTimeout(10000);
await page.setViewport({ width: 1280, height: 800, deviceScaleFactor: 1 });
const shot = (name, el) => (el || page).screenshot({ path: path.join(shots, `${name}.png`) });

try {
  await rest('POST', '/users', null, { email: 'admin@example.com', username: 'admin', password: 'admin-password-1' });
  const lr = await fetch(`${API}/users/login`, { method: 'POST', body: JSON.stringify({ login_id: 'admin', password: 'admin-password-1' }) });
  const admin = lr.headers.get('token');
  const team = await rest('POST', '/teams', admin, { name: 'acme', display_name: 'Acme', type: 'O' });
  const town = await rest('GET', `/teams/${team.id}/channels/name/town-square`, admin);
  const hook = await rest('POST', '/hooks/incoming', admin, { channel_id: town.id, display_name: 'Reports' });

  await page.goto(`${base}/perch/acme/channels/town-square`);
  await page.waitForSelector(aria('textbox', 'Email or username'));
  await page.type(aria('textbox', 'Email or username'), 'admin');
  await page.type('::-p-aria(Password)', 'admin-password-1');
  await page.click(aria('button', 'Log in'));
  await page.waitForSelector('body[data-live="on"]');

  // Attach two files with the chooser the paperclip opens; they upload at once.
  await page.waitForSelector(aria('button', 'Attach files'));
  const input = await page.$('form.composer input[type="file"]');
  await input.uploadFile(chart, log);
  await page.waitForFunction(() => {
    const items = [...document.querySelectorAll('[aria-label="Files to send"] li')];
    return items.length === 2 && items.every((li) => !li.textContent.includes('uploading'));
  });
  const pending = await page.$eval('[aria-label="Files to send"]', (l) => l.textContent);
  if (!pending.includes('chart.png') || !pending.includes('build.log') || pending.includes('not uploaded')) fail(`uploads: ${pending}`);
  await page.type(aria('textbox', 'Message'), 'tonight\'s build');
  await shot('files-01-composer', await page.$('form.composer'));
  await page.keyboard.press('Enter');

  // The post: the image's thumbnail and both files with their sizes.
  const id = await page.waitForFunction(() => {
    const a = [...document.querySelectorAll('[role="log"] article')].find((x) => x.textContent.includes('tonight\'s build') && x.querySelectorAll('.files li').length === 2);
    return a ? a.dataset.id : null;
  }).then((h) => h.jsonValue());
  const sel = `article[data-id="${id}"]`;
  // (Its author is shown: the post is not listed twice, the second time grouped under itself.)
  const head = await page.$eval(sel, (a) => !a.classList.contains('grouped') && a.querySelector('.post-name').textContent);
  if (head !== 'admin') fail(`the post's author is not shown: ${head}`);
  if (await page.$eval('[aria-label="Files to send"]', (l) => !l.hidden)) fail('the sent files are still listed in the composer');
  const stored = await rest('GET', `/posts/${id}`, admin);
  if (!stored.file_ids || stored.file_ids.length !== 2) fail(`post file_ids: ${JSON.stringify(stored.file_ids)}`);
  const thumb = await page.waitForFunction((s) => {
    const img = document.querySelector(`${s} img.file-thumb`);
    return img && img.complete && img.naturalWidth > 0 ? img.naturalWidth : null;
  }, { timeout: 15000 }, sel).then((h) => h.jsonValue()).catch(() => null);
  if (!thumb) fail('the thumbnail never loaded');
  const links = await page.$$eval(`${sel} a.file-name`, (as) => as.map((a) => ({ name: a.textContent, href: a.getAttribute('href'), size: a.nextElementSibling.textContent })));
  const logLink = links.find((l) => l.name === 'build.log');
  if (!logLink || !/^\/api\/v4\/files\/[a-z0-9]{26}\?download=1$/.test(logLink.href) || logLink.size !== '2.9 KB') fail(`links: ${JSON.stringify(links)}`);
  const got = await page.evaluate(async (href) => (await (await fetch(href)).arrayBuffer()).byteLength, logLink.href);
  if (got !== fs.statSync(log).size) fail(`downloaded ${got} bytes`);
  await shot('files-02-post', await page.$(sel));

  // The thumbnail opens the preview.
  await page.click(`${sel} ${aria('button', 'Preview chart.png')}`);
  await page.waitForSelector(aria('dialog', 'chart.png'));
  const previewWidth = await page.waitForFunction(() => {
    const img = document.querySelector('dialog img.file-preview');
    return img && img.complete && img.naturalWidth > 0 ? img.naturalWidth : null;
  }).then((h) => h.jsonValue());
  if (previewWidth !== 360) fail(`preview width ${previewWidth}`);
  await shot('files-03-preview');
  await page.keyboard.press('Escape');
  await page.waitForSelector('dialog', { hidden: true });

  // A webhook's multipart call with a file arrives live, with its file.
  const form = new FormData();
  form.append('payload', JSON.stringify({ text: 'nightly report' }));
  form.append('files', new Blob(['<h1>report</h1>'], { type: 'text/html' }), 'report.html');
  const called = await fetch(`${base}/hooks/${hook.id}`, { method: 'POST', body: form });
  if (!called.ok) fail(`webhook with a file: ${called.status} ${await called.text()}`);
  await page.waitForFunction(() => [...document.querySelectorAll('[role="log"] article')].some((a) => a.textContent.includes('nightly report') && a.querySelector('a.file-name')?.textContent === 'report.html'));

  // Phone width: no horizontal scroll with files in the log.
  await page.setViewport({ width: 390, height: 844, deviceScaleFactor: 1 });
  await new Promise((r) => setTimeout(r, 200));
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  if (wide > 390) fail(`the page is ${wide} px wide at phone width`);
  await shot('files-04-phone');

  if (problems.length) fail(problems.join('\n'));
  console.log('files: all checks passed');
} catch (e) {
  await shot('files-failure').catch(() => {});
  console.error(e.stack || String(e));
  if (problems.length) console.error(problems.join('\n'));
  await browser.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  process.exit(1);
}
await browser.close();
fs.rmSync(tmp, { recursive: true, force: true });
