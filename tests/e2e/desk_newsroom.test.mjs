// The newsroom's desk pages in Chromium: sign in, create a newsletter (a refused
// schedule shown beside its field first), compose an issue with the live preview of
// the real email (HTML in sandboxed iframes at phone and desktop widths, the text part),
// send a test into Postfix's smtp-sink and read each address's reply; an issue sent and
// its delivery report; the relay test and a new token in the settings; at 1280 and 375 px
// wide, screenshots in tests/artifacts/ (desk-newsroom-*.png). No Content-Security-Policy
// violation, no page error, nothing asked of another host, nothing wider than the screen.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  addDeskUsers,
  assertNoOverflow as noOverflow,
  launchBrowser,
  newContext,
  screenshot,
  signInToDesk,
  startDeskServer,
  watchPolicyViolations,
} from './helpers.mjs';

let sink;
let server;
let browser;

before(async () => {
  ({ sink, server } = await startDeskServer());
  addDeskUsers(server, { ed: 'editor', ada: 'admin' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  sink?.stop();
});

for (const width of [1280, 375]) {
  test(`create a newsletter, compose with the live preview, send a test at ${width} px`, async () => {
    const context = await newContext(browser, { viewport: { width, height: 900 } });
    const page = await context.newPage();
    const violations = watchPolicyViolations(page);

    await signInToDesk(page, server.base, '/admin/newsletters/new', 'ed');

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

for (const width of [1280, 375]) {
  test(`send an issue, read its report, test the relay, make a token at ${width} px`, async () => {
    const context = await newContext(browser, { viewport: { width, height: 900 } });
    const page = await context.newPage();
    const violations = watchPolicyViolations(page);
    await signInToDesk(page, server.base, '/admin/issues/new?newsletter=morning-briefing', 'ada');

    // An issue sent to the demo's readers through smtp-sink, then its report.
    await page.getByLabel('Subject').fill(`Report at ${width}`);
    await page.getByLabel('Body (Markdown)').fill('# Morning\n\nThe news.');
    await page.getByRole('button', { name: 'Create the draft' }).click();
    await page.waitForURL(/\/admin\/issues\/\d+$/);
    await page.getByRole('button', { name: 'Send now to every reader' }).click();
    await page.getByRole('status').filter({ hasText: 'Sending has begun.' }).waitFor();
    const issuePath = new URL(page.url()).pathname;
    // The page is server-rendered: reloaded until the issue is sent (60 s at most).
    for (let i = 0; i < 120; i += 1) {
      await page.goto(`${server.base}${issuePath}`);
      if (await page.locator('.meta .status-sent').count()) break;
      await page.waitForTimeout(500);
    }
    assert.equal(await page.locator('.meta .status-sent').count(), 1, 'the issue was not sent in 60 s');
    await page.getByRole('link', { name: 'Delivery report' }).click();
    await page.getByRole('heading', { name: 'Copies settled over time' }).waitFor();
    assert.ok((await page.locator('table.timeline tbody tr').count()) >= 1);
    await noOverflow(page);
    await screenshot(page, `desk-newsroom-report-${width}`);
    await page.getByRole('link', { name: 'Issues', exact: true }).click();
    await page.getByRole('link', { name: `Report at ${width}` }).waitFor();
    await noOverflow(page);
    await screenshot(page, `desk-newsroom-issues-${width}`);

    // Settings: each relay step's reply from smtp-sink; a token shown once.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Test the connection' }).click();
    await page.locator('.relay-results .ok').waitFor();
    assert.match(await page.locator('.relay-results .steps').textContent(), /EHLO/i);
    await screenshot(page, `desk-newsroom-relay-test-${width}`);
    await page.getByLabel('Name', { exact: true }).fill(`desk ${width}`);
    await page.getByRole('button', { name: 'Make the token' }).click();
    assert.match(await page.locator('code.secret').textContent(), /^bs_[A-Za-z0-9_-]{43}$/);
    await noOverflow(page);
    await screenshot(page, `desk-newsroom-settings-${width}`);

    assert.deepEqual(violations, []);
    assert.deepEqual(context.pageErrors, []);
    assert.deepEqual(context.foreignRequests, []);
    await context.close();
  });
}
