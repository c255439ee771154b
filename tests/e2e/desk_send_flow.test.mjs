// An editor's send, start to end, in Chromium (issue 14's e2e flow): sign in, compose an
// issue for a segment of the newsletter's readers, send it into Postfix's smtp-sink and
// watch the issue page's progress bar move without a reload, pause it (the bar stops and
// says so), resume it, see it finish, and read the delivery report: only the segment's
// readers got it. At 1280 and 375 px wide, screenshots in tests/artifacts/
// (desk-send-*.png). No Content-Security-Policy violation, no page error, nothing asked
// of another host, nothing wider than the screen.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { DOMAIN, launchBrowser, newContext, screenshot, startServer, startSmtpSink } from './helpers.mjs';

const PASSWORD = 'correct horse battery';
const IN_SEGMENT = 120; // readers in Paris: the segment
const OUTSIDE = 40; // readers in Lyon: not sent to

let sink;
let server;
let browser;

before(async () => {
  sink = await startSmtpSink(64);
  server = await startServer({
    BROADSHEET_TRANSPORT: 'smtp',
    BROADSHEET_SMTP_HOST: '127.0.0.1',
    BROADSHEET_SMTP_PORT: String(sink.port),
    BROADSHEET_SMTP_TLS: 'none',
    // Slow enough to pause on the way: the segment's 120 readers take 10 s.
    BROADSHEET_SEND_RATE: '12',
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-send-'));
  const passwordFile = path.join(dir, 'password');
  fs.writeFileSync(passwordFile, `${PASSWORD}\n`);
  server.cli('user', 'add', 'ed', '--role', 'editor', '--password-file', passwordFile);
  const rows = ['email,name,city'];
  for (let i = 0; i < IN_SEGMENT; i += 1) rows.push(`paris${i}@${DOMAIN},Reader ${i},Paris`);
  for (let i = 0; i < OUTSIDE; i += 1) rows.push(`lyon${i}@${DOMAIN},Reader ${i},Lyon`);
  const csv = path.join(dir, 'readers.csv');
  fs.writeFileSync(csv, rows.join('\n') + '\n');
  server.cli('import', csv, '--newsletter', 'morning-briefing', '--confirmed');
  server.cli('segment', 'add', 'parisians', '--newsletter', 'morning-briefing', '--attribute', 'city=Paris');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  sink?.proc.kill();
});

async function noOverflow(page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);
}

// The issue page's bar: its value and max, as the script last set them.
async function bar(page) {
  return page.evaluate(() => {
    const p = document.querySelector('ul.sending progress');
    return p ? { value: Number(p.value), max: Number(p.max) } : null;
  });
}

for (const width of [1280, 375]) {
  test(`compose for a segment, send, pause, resume and read the report at ${width} px`, async () => {
    const context = await newContext(browser, { viewport: { width, height: 900 } });
    const page = await context.newPage();
    const violations = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });

    await page.goto(`${server.base}/admin/issues/new?newsletter=morning-briefing`);
    await page.getByLabel('User name').fill('ed');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/admin\/issues\/new/);

    // Compose for the segment.
    const subject = `For Paris at ${width}`;
    await page.getByLabel('Subject').fill(subject);
    await page.getByLabel('Body (Markdown)').fill('# Bonjour, {{name}}\n\nThe news from Paris.');
    await page.getByLabel('Send to').selectOption('parisians');
    await page.getByRole('button', { name: 'Create the draft' }).click();
    await page.waitForURL(/\/admin\/issues\/\d+$/);
    assert.equal(await page.getByLabel('Send to').inputValue(), 'parisians');
    await noOverflow(page);
    await screenshot(page, `desk-send-composed-${width}`);

    // Send: the bar appears and moves without a reload.
    await page.getByRole('button', { name: /^Send now/ }).click();
    await page.getByRole('status').filter({ hasText: 'Sending has begun.' }).waitFor();
    const issuePath = new URL(page.url()).pathname;
    await page.locator('ul.sending progress').waitFor();
    const first = (await bar(page)).value;
    await page.waitForFunction(
      (before) => {
        const p = document.querySelector('ul.sending progress');
        return p && Number(p.value) > before;
      },
      first,
      { timeout: 30_000 },
    );
    const moving = await bar(page);
    assert.equal(moving.max, IN_SEGMENT, 'the bar counts the segment only');
    await noOverflow(page);
    await screenshot(page, `desk-send-sending-${width}`);

    // Pause: the bar says so and stops short of the end.
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('status').filter({ hasText: 'Paused.' }).waitFor();
    await page.locator('.meta .status-paused').waitFor();
    await page.locator('ul.sending .figures').filter({ hasText: /paused/ }).waitFor();
    const paused = await bar(page);
    assert.ok(paused.value < paused.max, `paused at ${paused.value} of ${paused.max}`);
    await screenshot(page, `desk-send-paused-${width}`);

    // Resume: it moves again until every reader of the segment has it.
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('status').filter({ hasText: 'Sending again.' }).waitFor();
    await page.locator('ul.sending li.done').waitFor({ timeout: 60_000 });
    await page.goto(`${server.base}${issuePath}`);
    await page.locator('.meta .status-sent').waitFor();

    // The delivery report: the segment's readers, nobody else.
    await page.getByRole('link', { name: 'Delivery report' }).click();
    await page.getByRole('heading', { name: 'Copies settled over time' }).waitFor();
    const counts = page.getByRole('region', { name: 'Deliveries' });
    const row = (name) => counts.getByRole('row', { name }).locator('td');
    assert.equal(await row('Sent').textContent(), String(IN_SEGMENT));
    assert.equal(await row('Total').textContent(), String(IN_SEGMENT));
    assert.equal(await row('Failed').textContent(), '0');
    assert.ok((await page.locator('table.timeline tbody tr').count()) >= 1);
    await noOverflow(page);
    await screenshot(page, `desk-send-report-${width}`);

    assert.deepEqual(violations, []);
    assert.deepEqual(context.pageErrors, []);
    assert.deepEqual(context.foreignRequests, []);
    await context.close();
  });
}
