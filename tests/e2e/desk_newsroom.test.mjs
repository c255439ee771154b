// The newsroom's desk pages in Chromium: sign in, create a newsletter (a refused
// schedule shown beside its field first), compose an issue with the live preview of
// the real email (HTML in sandboxed iframes at phone and desktop widths, the text part),
// send a test into Postfix's smtp-sink and read each address's reply; at 1280 and 375 px
// wide, screenshots in tests/artifacts/ (desk-newsroom-*.png). No Content-Security-Policy
// violation, no page error, nothing asked of another host, nothing wider than the screen.
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, launchBrowser, newContext, screenshot, startServer } from './helpers.mjs';

const PASSWORD = 'correct horse battery';
const SMTP_SINK = fs.existsSync('/usr/sbin/smtp-sink') ? '/usr/sbin/smtp-sink' : 'smtp-sink';

let sink;
let server;
let browser;

async function startSink() {
  const port = await freePort();
  const args = [`127.0.0.1:${port}`, '64'];
  if (process.getuid && process.getuid() === 0) args.unshift('-u', 'nobody');
  const proc = spawn(SMTP_SINK, args, { stdio: 'ignore' });
  const net = await import('node:net');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return { port, proc };
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill();
  throw new Error('smtp-sink did not start');
}

before(async () => {
  sink = await startSink();
  server = await startServer({
    BROADSHEET_TRANSPORT: 'smtp',
    BROADSHEET_SMTP_HOST: '127.0.0.1',
    BROADSHEET_SMTP_PORT: String(sink.port),
    BROADSHEET_SMTP_TLS: 'none',
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-newsroom-'));
  const passwordFile = path.join(dir, 'password');
  fs.writeFileSync(passwordFile, `${PASSWORD}\n`);
  server.cli('user', 'add', 'ed', '--role', 'editor', '--password-file', passwordFile);
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

for (const width of [1280, 375]) {
  test(`create a newsletter, compose with the live preview, send a test at ${width} px`, async () => {
    const context = await newContext(browser, { viewport: { width, height: 900 } });
    const page = await context.newPage();
    const violations = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });

    await page.goto(`${server.base}/admin/newsletters/new`);
    await page.getByLabel('User name').fill('ed');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.base}/admin/newsletters/new`);

    // A newsletter: the API's message beside a schedule it refuses, then made.
    const slug = `evening-${width}`;
    await page.getByLabel('Slug').fill(slug);
    await page.getByLabel('Name', { exact: true }).fill(`Evening ${width}`);
    await page.getByLabel('Schedule').fill('every day at noon');
    await page.getByRole('button', { name: 'Create the newsletter' }).click();
    const schedule = page.getByLabel('Schedule');
    assert.equal(await schedule.getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('#schedule-error').textContent(), /schedule/);
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), `Evening ${width}`);
    await screenshot(page, `desk-newsroom-newsletter-refused-${width}`);
    await schedule.fill('mon-fri 18:00 Europe/London');
    await page.getByRole('button', { name: 'Create the newsletter' }).click();
    await page.waitForURL(`${server.base}/admin/newsletters/${slug}?saved=1`);
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.equal(await page.locator('.editions li').count(), 5);
    await noOverflow(page);
    await screenshot(page, `desk-newsroom-newsletter-${width}`);

    // Compose: the preview follows the typing, without a reload.
    await page.goto(`${server.base}/admin/issues/new?newsletter=${slug}`);
    await page.getByLabel('Subject').fill(`Tonight at ${width}`);
    await page.getByLabel('Body (Markdown)').fill('# Good evening, {{name}}\n\nThe **first** story.');
    const panel = page.locator('[data-live-preview]');
    await page.waitForFunction(() => document.querySelector('[data-live-preview]')?.dataset.state === 'shown');
    assert.match(await panel.locator('.text-part').textContent(), /The \*first\* story\./);
    const phone = page.frameLocator('.frame.phone iframe');
    await phone.getByRole('heading', { name: /Good evening/ }).waitFor();
    await page.getByLabel('Body (Markdown)').fill('# Good evening, {{name}}\n\nThe **second** story.');
    await page.waitForFunction(() =>
      /\*second\* story/.test(document.querySelector('.text-part')?.textContent || ''));
    await page.frameLocator('.frame.desktop iframe').getByText('second').waitFor();
    // A merge field the renderer does not know: said at once.
    await page.getByLabel('Body (Markdown)').fill('Hi {{nmae}}');
    await panel.locator('.preview-error').filter({ hasText: 'nmae' }).waitFor();
    await page.getByLabel('Body (Markdown)').fill('# Good evening, {{name}}\n\nThe **second** story.');
    await page.waitForFunction(() => document.querySelector('.preview-error')?.hidden === true);
    await page.getByRole('button', { name: 'Create the draft' }).click();
    await page.waitForURL(/\/admin\/issues\/\d+$/);
    await page.frameLocator('.frame.phone iframe').getByText('second').waitFor();
    await noOverflow(page);
    await screenshot(page, `desk-newsroom-compose-${width}`);
    // A full page leaves frames below the fold unpainted: each frame on its own too.
    for (const which of ['phone', 'desktop']) {
      const figure = page.locator(`.frame.${which}`);
      await figure.scrollIntoViewIfNeeded();
      await page.frameLocator(`.frame.${which} iframe`).getByText('second').waitFor();
      await screenshot(figure, `desk-newsroom-preview-${which}-${width}`);
    }

    // A test into smtp-sink: each address with the relay's reply.
    await page.getByLabel('Send a test to').fill('ed@example.com, desk@example.org');
    await page.getByRole('button', { name: 'Send the test' }).click();
    await page.getByRole('status').filter({ hasText: 'Test sent.' }).waitFor();
    const results = page.getByRole('list', { name: 'Test send results' });
    assert.equal(await results.locator('li').count(), 2);
    assert.match(await results.textContent(), /ed@example\.com: accepted/);
    assert.match(await results.textContent(), /250/);
    await noOverflow(page);
    await screenshot(page, `desk-newsroom-test-sent-${width}`);

    assert.deepEqual(violations, []);
    assert.deepEqual(context.pageErrors, []);
    assert.deepEqual(context.foreignRequests, []);
    await context.close();
  });
}
