// The desk in Chromium: sign in, the dashboard with its chart, an issue sending into
// Postfix's smtp-sink with its progress bar moving without a reload, sign out; at 1280
// and 375 px wide, screenshots in tests/artifacts/ (desk-*.png). No Content-Security-
// Policy violation, no page error, nothing asked of another host.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { DOMAIN, launchBrowser, newContext, screenshot, startServer, startSmtpSink } from './helpers.mjs';

const PASSWORD = 'correct horse battery';
const READERS = 300;

let sink;
let server;
let browser;
let token;


async function api(method, urlPath, body) {
  const r = await fetch(server.base + urlPath, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await r.json();
  assert.ok(r.status < 300, `${method} ${urlPath}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

before(async () => {
  sink = await startSmtpSink(256);
  server = await startServer({
    BROADSHEET_TRANSPORT: 'smtp',
    BROADSHEET_SMTP_HOST: '127.0.0.1',
    BROADSHEET_SMTP_PORT: String(sink.port),
    BROADSHEET_SMTP_TLS: 'none',
    // Slow enough for the bar to be seen moving: 300 readers at 40 a second.
    BROADSHEET_SEND_RATE: '40',
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-e2e-'));
  const passwordFile = path.join(dir, 'password');
  fs.writeFileSync(passwordFile, `${PASSWORD}\n`);
  server.cli('user', 'add', 'ada', '--role', 'admin', '--password-file', passwordFile);
  token = server.cli('token', 'create', '--name', 'e2e').trim();
  const csv = path.join(dir, 'readers.csv');
  const rows = ['email,name'];
  for (let i = 0; i < READERS; i += 1) rows.push(`desk${i}@${DOMAIN},Reader ${i}`);
  fs.writeFileSync(csv, rows.join('\n') + '\n');
  server.cli('import', csv, '--newsletter', 'morning-briefing', '--confirmed');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  sink?.proc.kill();
});

for (const width of [1280, 375]) {
  test(`sign in, watch an issue send, sign out at ${width} px`, async () => {
    const context = await newContext(browser, { viewport: { width, height: 900 } });
    const page = await context.newPage();
    const violations = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });

    // Anonymous: sent to the sign-in form, which brings the user back.
    await page.goto(`${server.base}/admin`);
    assert.match(new URL(page.url()).pathname, /^\/admin\/login$/);
    await page.getByLabel('User name').fill('ada');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').textContent(), /not right/);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.base}/admin`);
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'bs_desk');
    assert.ok(session && session.httpOnly && session.sameSite === 'Strict' && session.path === '/admin');

    // The chart is drawn by the bundled uPlot.
    await page.locator('.chart[data-drawn="true"] canvas').waitFor();
    await page.locator('.chart[data-drawn="true"] canvas').waitFor();

    // An issue sent through the API; the dashboard picks it up without a reload.
    const issue = await api('POST', '/api/v1/issues', {
      newsletter: 'morning-briefing',
      subject: `Desk test at ${width}`,
      body_markdown: '# Good morning, {{name}}\n\nThe news.',
    });
    await api('POST', `/api/v1/issues/${issue.id}/send`);
    const item = page.locator(`li[data-issue="${issue.id}"]`);
    await item.waitFor({ timeout: 20_000 });
    const bar = item.locator('progress');
    const first = Number(await bar.getAttribute('value'));
    await page.waitForFunction(
      ([id, before]) => {
        const p = document.querySelector(`li[data-issue="${id}"] progress`);
        return p && Number(p.value) > before && Number(p.value) < Number(p.max);
      },
      [issue.id, first],
      { timeout: 20_000 },
    );
    assert.match(await item.locator('.figures').textContent(), /^\d+ of 3\d\d sent · [\d.]+ per second/);
    await screenshot(page, `desk-dashboard-sending-${width}`);
    // Nothing is wider than the screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);
    await page.waitForFunction(
      (id) => document.querySelector(`li[data-issue="${id}"]`)?.classList.contains('done'),
      issue.id,
      { timeout: 60_000 },
    );

    // Keyboard: the skip link comes first and leads to the main content.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');

    // Signing out ends the session: the sign-out's own redirect or the dashboard's live
    // script, whose next poll is refused (401) and sends it to the sign-in form with the
    // page to come back to, may win the race to navigate. Both end on the sign-in form.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/admin\/login(\?next=%2Fadmin)?$/);
    await page.goto(`${server.base}/admin`);
    assert.match(new URL(page.url()).pathname, /^\/admin\/login$/);
    await screenshot(page, `desk-login-${width}`);

    assert.deepEqual(violations, []);
    assert.deepEqual(context.pageErrors, []);
    assert.deepEqual(context.foreignRequests, []);
    await context.close();
  });
}
