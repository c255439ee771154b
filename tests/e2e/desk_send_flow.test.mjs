// An issue sent to a segment, start to end, in Chromium (issue 14's e2e flow): an admin
// signs in, makes a segment of the newsletter's readers on the segments page, composes
// an issue with "Send to" that segment and its live preview of the real email, sends it
// into Postfix's smtp-sink and watches the issue page's progress bar move without a
// reload, pauses it (the bar says so and stops), resumes it and sees it done; the
// delivery report and smtp-sink both count the segment's readers and nobody else (the
// demo's own readers and those of another city get nothing). At 1280 and 375 px wide,
// screenshots in tests/artifacts/ (desk-send-*.png). No Content-Security-Policy
// violation, no page error, nothing asked of another host, nothing wider than the screen.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  DOMAIN,
  addDeskUsers,
  assertNoOverflow,
  launchBrowser,
  newContext,
  screenshot,
  signInToDesk,
  startDeskServer,
  watchPolicyViolations,
} from './helpers.mjs';

const IN_SEGMENT = 120; // readers in Paris: the segment
const OUTSIDE = 40; // readers in Lyon: not sent to

let sink;
let server;
let browser;

before(async () => {
  ({ sink, server } = await startDeskServer({
    sink: { dump: true },
    // Slow enough to pause on the way: the segment's 120 readers take 20 s or more.
    env: { BROADSHEET_SEND_RATE: '6' },
  }));
  addDeskUsers(server, { ada: 'admin' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-send-'));
  const rows = ['email,name,city'];
  for (let i = 0; i < IN_SEGMENT; i += 1) rows.push(`paris${i}@${DOMAIN},Reader ${i},Paris`);
  for (let i = 0; i < OUTSIDE; i += 1) rows.push(`lyon${i}@${DOMAIN},Reader ${i},Lyon`);
  const csv = path.join(dir, 'readers.csv');
  fs.writeFileSync(csv, rows.join('\n') + '\n');
  server.cli('import', csv, '--newsletter', 'morning-briefing', '--confirmed');
  fs.rmSync(dir, { recursive: true, force: true });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  sink?.stop();
});

// The issue page's bar: its value and max, as the script last set them.
async function bar(page) {
  return page.evaluate(() => {
    const p = document.querySelector('ul.sending progress');
    return p ? { value: Number(p.value), max: Number(p.max) } : null;
  });
}

for (const width of [1280, 375]) {
  test(`make a segment, compose for it, send, pause, resume and count at ${width} px`, async () => {
    const context = await newContext(browser, { viewport: { width, height: 900 } });
    const page = await context.newPage();
    const violations = watchPolicyViolations(page);
    const copiesBefore = sink.recipients().length;

    // The segment, made on the segments page: its count is the Paris readers.
    const segment = `parisians-${width}`;
    await signInToDesk(page, server.base, '/admin/segments', 'ada');
    const form = page.locator('form', { has: page.getByRole('button', { name: 'Add the segment' }) });
    await form.getByLabel('Name', { exact: true }).fill(segment);
    await form.getByLabel('Newsletter').selectOption('morning-briefing');
    await form.getByLabel(/Attributes/).fill('city=Paris');
    await form.getByRole('button', { name: 'Add the segment' }).click();
    await page.waitForURL(`${server.base}/admin/segments`);
    const row = page.getByRole('row', { name: new RegExp(segment) });
    assert.equal(await row.locator('td.num').textContent(), String(IN_SEGMENT));
    await assertNoOverflow(page);
    await screenshot(page, `desk-send-segment-${width}`);

    // Compose for the segment, with the live preview of the email.
    await page.goto(`${server.base}/admin/issues/new?newsletter=morning-briefing`);
    const subject = `For Paris at ${width}`;
    await page.getByLabel('Subject').fill(subject);
    await page.getByLabel('Body (Markdown)').fill('# Bonjour, {{name}}\n\nThe news from Paris.');
    await page.getByLabel('Send to').selectOption(segment);
    await page.waitForFunction(() => document.querySelector('[data-live-preview]')?.dataset.state === 'shown');
    await page.frameLocator('.frame.phone iframe').getByRole('heading', { name: /Bonjour/ }).waitFor();
    await page.getByRole('button', { name: 'Create the draft' }).click();
    await page.waitForURL(/\/admin\/issues\/\d+$/);
    const issuePath = new URL(page.url()).pathname;
    assert.equal(await page.getByLabel('Send to').inputValue(), segment);
    assert.equal(await page.locator('.meta .audience').textContent(), `the segment ${segment}`);
    await page.frameLocator('.frame.phone iframe').getByText('The news from Paris.').waitFor();
    await assertNoOverflow(page);
    await screenshot(page, `desk-send-composed-${width}`);

    // Send: the bar appears and moves without a reload.
    await page.getByRole('button', { name: `Send now to the segment ${segment}` }).click();
    await page.getByRole('status').filter({ hasText: 'Sending has begun.' }).waitFor();
    await page.locator('ul.sending progress').waitFor();
    const first = await bar(page);
    assert.equal(first.max, IN_SEGMENT, 'the bar counts the segment only');
    await page.waitForFunction(
      (start) => {
        const p = document.querySelector('ul.sending progress');
        return p && Number(p.value) > start;
      },
      first.value,
      { timeout: 30_000 },
    );
    await assertNoOverflow(page);

    // Pause (at once, while most of the segment is still to go): the page and the bar
    // say so, and the bar stops once the copies already on their way have landed.
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('status').filter({ hasText: 'Paused.' }).waitFor();
    await page.locator('.meta .status-paused').waitFor();
    await page.locator('ul.sending .figures').filter({ hasText: /paused/ }).waitFor();
    let paused = null;
    for (let tries = 0; tries < 12 && !paused; tries += 1) {
      const earlier = await bar(page);
      await page.waitForTimeout(2500); // the script polls each second
      const now = await bar(page);
      if (now.value === earlier.value) paused = now;
    }
    assert.ok(paused, 'the bar kept moving while paused');
    assert.ok(paused.value < paused.max, `paused at ${paused.value} of ${paused.max}`);
    await screenshot(page, `desk-send-paused-${width}`);

    // Resume: it moves again until every reader of the segment has it.
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('status').filter({ hasText: 'Sending again.' }).waitFor();
    await screenshot(page, `desk-send-sending-${width}`);
    await page.locator('ul.sending li.done').waitFor({ timeout: 90_000 });
    assert.deepEqual(await bar(page), { value: IN_SEGMENT, max: IN_SEGMENT });
    await screenshot(page, `desk-send-done-${width}`);
    await page.goto(`${server.base}${issuePath}`);
    await page.locator('.meta .status-sent').waitFor();
    assert.equal(await page.locator('.meta .audience').textContent(), `the segment ${segment}`);

    // The delivery report: the segment's readers, nobody else.
    await page.getByRole('link', { name: 'Delivery report' }).click();
    await page.getByRole('heading', { name: 'Copies settled over time' }).waitFor();
    const counts = page.getByRole('region', { name: 'Deliveries' });
    const count = (name) => counts.getByRole('row', { name }).locator('td');
    assert.equal(await count('Sent').textContent(), String(IN_SEGMENT));
    assert.equal(await count('Total').textContent(), String(IN_SEGMENT));
    assert.equal(await count('Failed').textContent(), '0');
    await assertNoOverflow(page);
    await screenshot(page, `desk-send-report-${width}`);

    // And smtp-sink received one copy for each reader in Paris, none for anyone else.
    const expected = Array.from({ length: IN_SEGMENT }, (_, i) => `paris${i}@${DOMAIN}`).sort();
    const mine = sink.recipients().slice(0); // every copy of both runs so far
    const copies = mine.length - copiesBefore;
    assert.equal(copies, IN_SEGMENT, `smtp-sink received ${copies} copies of this issue`);
    const counted = new Map();
    for (const address of mine) counted.set(address, (counted.get(address) || 0) + 1);
    assert.deepEqual([...counted.keys()].filter((a) => !a.startsWith('paris')), [],
      'only the segment receives it');
    assert.deepEqual(expected.filter((a) => !counted.has(a)), [], 'every reader in Paris has it');

    assert.deepEqual(violations, []);
    assert.deepEqual(context.pageErrors, []);
    assert.deepEqual(context.foreignRequests, []);
    await context.close();
  });
}
