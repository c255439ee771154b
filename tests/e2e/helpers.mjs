// Shared helpers of the browser tests (node --test tests/e2e/).
//
// They run the real binary the way a publisher does: `init` and `demo` in a fresh data
// folder, then `serve` on a free loopback port, and drive Debian's Chromium through
// playwright-core. The browser context records every request to a host other than
// 127.0.0.1, so a test can assert that the reader's browser asked no third party for
// anything.
//
//   BROADSHEET_BIN  the binary (default: build/broadsheet of this repository)
//   CHROMIUM        the browser (default: /usr/bin/chromium)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = path.join(REPO, 'tests', 'artifacts');

export const BIN = (() => {
  const raw = process.env.BROADSHEET_BIN;
  if (!raw) return path.join(REPO, 'build', 'broadsheet');
  return path.isAbsolute(raw) ? raw : path.resolve(REPO, raw);
})();
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// Addresses at reserved domains (example.com, .test) are refused by default, so the
// tests use a plain-looking domain; nothing is ever sent, the outbox is a folder.
export const DOMAIN = 'mail.broadsheet-test.net';
let addressCounter = 0;
export function uniqueAddress(who = 'reader') {
  addressCounter += 1;
  return `${who}.${process.pid}.${Date.now() % 1e8}.${addressCounter}@${DOMAIN}`;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// The environment for the binary: ours minus any BROADSHEET_* of the caller's shell.
function binaryEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('BROADSHEET_')) env[k] = v;
  }
  env.LC_ALL = 'C.UTF-8';
  return { ...env, ...extra };
}

export function runBinary(args, extraEnv = {}) {
  const r = spawnSync(BIN, args, { encoding: 'utf8', env: binaryEnv(extraEnv), timeout: 60_000 });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`broadsheet ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

async function waitForHealthy(base, child, logs, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let lastError = null;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`broadsheet serve exited ${child.exitCode}:\n${logs.join('')}`);
    }
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.status === 200) return;
      lastError = new Error(`healthz answered ${r.status}`);
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`broadsheet serve did not become healthy: ${lastError}\n${logs.join('')}`);
}

// Starts `broadsheet serve` over a fresh data folder with the demo publication.
// Returns { base, port, data, logs, stop() }.
export async function startServer(extraEnv = {}) {
  if (!fs.existsSync(BIN)) {
    throw new Error(`broadsheet binary not found: ${BIN} (build it, or set BROADSHEET_BIN)`);
  }
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'broadsheet-e2e-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // Links in emails (confirm, preferences) point at this server.
  const env = { BROADSHEET_PUBLICATION_BASE_URL: base, ...extraEnv };
  runBinary(['init', '--data', data], env);
  runBinary(['demo', '--data', data], env);
  const logs = [];
  const child = spawn(BIN, ['serve', '--data', data, '--listen', `127.0.0.1:${port}`], {
    env: binaryEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => logs.push(d.toString()));
  child.stderr.on('data', (d) => logs.push(d.toString()));
  await waitForHealthy(base, child, logs);
  return {
    base,
    port,
    data,
    logs,
    env,
    cli: (...args) => runBinary([...args, '--data', data], env),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => {
          const t = setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, 10_000);
          child.once('exit', () => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      if (!process.env.BROADSHEET_E2E_KEEP) fs.rmSync(data, { recursive: true, force: true });
    },
  };
}

// Chromium as a user without extensions, sync or background traffic, in a fresh
// profile (playwright-core makes a new temporary user-data-dir for each launch).
// Postfix's smtp-sink on a free port of 127.0.0.1, accepting up to `connections` at
// once (as nobody when run as root): {port, proc, dump, recipients()}; kill proc when
// done. With `dump`, each message received is written to a file of its own in a fresh
// folder (`dump`, removed by stop()), and recipients() lists who each one was for.
export async function startSmtpSink(connections = 64, { dump = false } = {}) {
  const binary = fs.existsSync('/usr/sbin/smtp-sink') ? '/usr/sbin/smtp-sink' : 'smtp-sink';
  const port = await freePort();
  const args = [`127.0.0.1:${port}`, String(connections)];
  let dumpDir = null;
  if (dump) {
    // smtp-sink runs as nobody under root: a folder of its own that nobody may write.
    dumpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'broadsheet-sink-'));
    fs.chmodSync(dumpDir, 0o777);
    args.unshift('-d', `${dumpDir}/%Y%m%d%H/`);
  }
  if (process.getuid && process.getuid() === 0) args.unshift('-u', 'nobody');
  const proc = spawn(binary, args, { stdio: 'ignore' });
  const sink = {
    port,
    proc,
    dump: dumpDir,
    // One address per message received (smtp-sink's X-Rcpt-Args line), sorted.
    recipients() {
      const out = [];
      const walk = (dir) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
          const file = path.join(dir, entry.name);
          if (entry.isDirectory()) walk(file);
          else {
            const m = /^X-Rcpt-Args: <([^>]*)>/m.exec(fs.readFileSync(file, 'latin1'));
            if (m) out.push(m[1]);
          }
        }
      };
      if (dumpDir) walk(dumpDir);
      return out.sort();
    },
    stop() {
      proc.kill();
      if (dumpDir) fs.rmSync(dumpDir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return sink;
    await new Promise((r) => setTimeout(r, 50));
  }
  sink.stop();
  throw new Error('smtp-sink did not start');
}

// ---------------------------------------------------------------------------------
// The desk (/admin): a server that sends through smtp-sink, its users, signing in and
// what every desk page must keep to.

export const DESK_PASSWORD = 'correct horse battery';

// smtp-sink and a server (the demo publication) relaying to it: {sink, server}.
// `env` adds to the server's environment; `sink` are startSmtpSink's options.
export async function startDeskServer({ connections = 64, sink: sinkOptions = {}, env = {} } = {}) {
  const sink = await startSmtpSink(connections, sinkOptions);
  const server = await startServer({
    BROADSHEET_TRANSPORT: 'smtp',
    BROADSHEET_SMTP_HOST: '127.0.0.1',
    BROADSHEET_SMTP_PORT: String(sink.port),
    BROADSHEET_SMTP_TLS: 'none',
    ...env,
  });
  return { sink, server };
}

// Adds the desk users `users` ({name: role}) with DESK_PASSWORD through the CLI.
export function addDeskUsers(server, users) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-users-'));
  const passwordFile = path.join(dir, 'password');
  fs.writeFileSync(passwordFile, `${DESK_PASSWORD}\n`);
  try {
    for (const [name, role] of Object.entries(users)) {
      server.cli('user', 'add', name, '--role', role, '--password-file', passwordFile);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Opens `path` of the desk, signs in as `name` on the sign-in page it leads to, and
// waits until the browser is back on `path`.
export async function signInToDesk(page, base, path, name) {
  await page.goto(`${base}${path}`);
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Password').fill(DESK_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === path.split('?')[0]);
}

// The Content-Security-Policy refusals the page reports on its console, as they come.
export function watchPolicyViolations(page) {
  const violations = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  return violations;
}

// Fails unless the page fits the screen's width (no horizontal scrolling).
export async function assertNoOverflow(page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) throw new Error(`the page is ${overflow} px wider than the screen`);
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

// A browser context that records every request whose host is not 127.0.0.1 in
// context.foreignRequests (there is no network here, so they fail anyway), and the
// page errors in context.pageErrors. It does not intercept requests: with interception
// on, playwright answers CORS preflights itself and would hide a server that does not.
export async function newContext(browser, options = {}) {
  const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/London', ...options });
  context.setDefaultTimeout(15_000);
  // A navigation (a form posted, a redirect followed, the page's scripts and styles
  // loaded) waits longer: in `make test` four browsers share two cores with the ASan
  // lane, and a sign-out's 303 once took more than 15 s to load there.
  context.setDefaultNavigationTimeout(60_000);
  context.foreignRequests = [];
  context.pageErrors = [];
  context.on('request', (request) => {
    const url = new URL(request.url());
    const local = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
    if (!local && url.protocol !== 'data:' && url.protocol !== 'blob:') {
      context.foreignRequests.push(url.href);
    }
  });
  context.on('page', (page) => {
    page.on('pageerror', (e) => context.pageErrors.push(String(e)));
  });
  return context;
}

export async function screenshot(target, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  const fullPage = typeof target.goto === 'function'; // a page: all of it; else the element
  await target.screenshot({ path: file, animations: 'disabled', ...(fullPage ? { fullPage } : {}) });
  return file;
}

// Ticks the ALTCHA checkbox of the box inside `scope` (a page or a locator) and waits
// until the proof of work is done and the payload is in the form.
export async function passRobotCheck(scope, { keyboard = false } = {}) {
  const checkbox = scope.locator('altcha-widget input[type="checkbox"]');
  await checkbox.waitFor({ state: 'visible' });
  if (keyboard) {
    await checkbox.focus();
    await checkbox.page().keyboard.press('Space');
  } else {
    // Where a reader clicks: the middle of the box, where ALTCHA draws its tick mark
    // (an <svg> over the input that forwards the click).
    await checkbox.click({ force: true });
  }
  await waitVerified(scope);
}

export async function waitVerified(scope) {
  const widget = scope.locator('altcha-widget');
  await widget.locator('[data-state="verified"]').first().waitFor({ state: 'attached', timeout: 60_000 });
  const payload = scope.locator('altcha-widget input[type="hidden"][name="altcha"]');
  await payload.waitFor({ state: 'attached' });
  const value = await payload.inputValue();
  if (!value) throw new Error('the robot check says verified but its payload is empty');
  return value;
}

// ---------------------------------------------------------------------------------
// The outbox (a Maildir): the newest message to an address, decoded.

export async function waitForMail(data, address, { after = 0, timeoutMs = 15_000 } = {}) {
  const dir = path.join(data, 'outbox', 'new');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (fs.existsSync(dir)) {
      const files = fs
        .readdirSync(dir)
        .map((name) => {
          const file = path.join(dir, name);
          return { file, mtime: fs.statSync(file).mtimeMs };
        })
        .filter((f) => f.mtime >= after)
        .sort((a, b) => b.mtime - a.mtime);
      for (const { file } of files) {
        const raw = fs.readFileSync(file);
        const mail = parseMail(raw);
        const to = (mail.headers['delivered-to'] || mail.headers.to || '').toLowerCase();
        if (to.includes(address.toLowerCase())) return { file, ...mail };
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const listing = fs.existsSync(dir) ? fs.readdirSync(dir).join(', ') : '(no outbox/new)';
  throw new Error(`no email to ${address} in ${dir} within ${timeoutMs} ms; files: ${listing}`);
}

function parseHeaders(text) {
  const headers = {};
  const unfolded = text.replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const m = /^([^:\s]+):\s*(.*)$/.exec(line);
    if (m) {
      const k = m[1].toLowerCase();
      headers[k] = headers[k] === undefined ? m[2] : headers[k];
    }
  }
  return headers;
}

function splitHeadBody(buf) {
  const s = buf.toString('latin1');
  let i = s.indexOf('\r\n\r\n');
  let sep = 4;
  const j = s.indexOf('\n\n');
  if (i < 0 || (j >= 0 && j < i)) {
    i = j;
    sep = 2;
  }
  if (i < 0) return { head: s, body: '' };
  return { head: s.slice(0, i), body: s.slice(i + sep) };
}

export function decodeQuotedPrintable(text) {
  const soft = text.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(c.charCodeAt(0) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

function decodePart(headers, body) {
  const cte = (headers['content-transfer-encoding'] || '7bit').trim().toLowerCase();
  let bytes;
  if (cte === 'quoted-printable') bytes = decodeQuotedPrintable(body);
  else if (cte === 'base64') bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  else bytes = Buffer.from(body, 'latin1');
  const charset = /charset="?([^";\s]+)"?/i.exec(headers['content-type'] || '');
  const enc = charset && /^utf-?8$/i.test(charset[1]) ? 'utf8' : charset ? 'latin1' : 'utf8';
  return bytes.toString(enc);
}

// A small MIME reader: headers, and the text/plain and text/html parts (decoded).
export function parseMail(raw) {
  const { head, body } = splitHeadBody(Buffer.isBuffer(raw) ? raw : Buffer.from(raw));
  const headers = parseHeaders(head);
  const parts = [];
  const walk = (hdrs, content) => {
    const ct = (hdrs['content-type'] || 'text/plain').toLowerCase();
    const boundary = /boundary="?([^";]+)"?/i.exec(hdrs['content-type'] || '');
    if (ct.startsWith('multipart/') && boundary) {
      const delim = '--' + boundary[1];
      const pieces = content.split(delim).slice(1);
      for (const piece of pieces) {
        if (piece.startsWith('--')) break;
        const p = splitHeadBody(Buffer.from(piece.replace(/^\r?\n/, ''), 'latin1'));
        walk(parseHeaders(p.head), p.body.replace(/\r?\n$/, ''));
      }
    } else {
      parts.push({ type: ct.split(';')[0].trim(), headers: hdrs, text: decodePart(hdrs, content) });
    }
  };
  walk(headers, body);
  const text = parts.find((p) => p.type === 'text/plain');
  const html = parts.find((p) => p.type === 'text/html');
  return { headers, parts, text: text ? text.text : '', html: html ? html.text : '' };
}

// The first link in `text` to `pathPrefix` (e.g. "/confirm/"), as an absolute URL.
export function findLink(text, pathPrefix) {
  const re = new RegExp(`https?://[^\\s<>"')\\]]*${pathPrefix.replace(/\//g, '\\/')}[A-Za-z0-9_.~%+=-]+`);
  const m = re.exec(text);
  return m ? m[0] : null;
}
