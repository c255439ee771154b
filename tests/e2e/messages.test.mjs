// The box's messages that are not about one field: a network failure and the rate
// limit. Its own server, with a per-client limit of two sign-ups, so that the other
// files' tests never meet the limit.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newContext, screenshot, startServer, uniqueAddress } from './helpers.mjs';

const INTERNAL = 'An error has occurred. Please try again later.';

let server;
let browser;

before(async () => {
  server = await startServer({ BROADSHEET_SIGNUP_RATE_PER_CLIENT: '2' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function openArticle() {
  const context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(server.base + '/');
  const box = page.locator('article .bs-signup[data-bs-enhanced]');
  await box.waitFor();
  return { context, page, box };
}

async function summaryIsFocused(page) {
  return page.evaluate(() => document.activeElement && document.activeElement.classList.contains('bs-summary'));
}

test('a network failure shows the internal message, and the form stays as it was', async () => {
  const { context, page, box } = await openArticle();
  try {
    await page.route('**/api/v1/public/subscriptions', (route) => route.abort('connectionreset'));
    const address = uniqueAddress('offline');
    await box.getByLabel('Email address').fill(address);
    await box.getByRole('button', { name: 'Sign up' }).click();
    const summary = box.locator('.bs-summary[aria-live="polite"]');
    await summary.filter({ hasText: INTERNAL }).waitFor();
    assert.ok(await summaryIsFocused(page), 'the focus goes to the message');
    assert.equal(await box.getByLabel('Email address').inputValue(), address);
    assert.equal(await box.locator('.bs-invalid').count(), 0, 'no field is blamed');
    assert.equal(await box.getByRole('button', { name: 'Sign up' }).getAttribute('aria-disabled'), null);
    await screenshot(box, 'box-network-error-1280');
  } finally {
    await context.close();
  }
});

test('too many attempts: the rate-limit message', async () => {
  const { context, page, box } = await openArticle();
  try {
    let last = null;
    for (let i = 0; i < 3; i++) {
      await box.getByLabel('Email address').fill(`attempt-${i}-not-an-address`);
      const response = page.waitForResponse((r) => r.url().endsWith('/api/v1/public/subscriptions'));
      await box.getByRole('button', { name: 'Sign up' }).click();
      last = await response;
      await box.locator('.bs-summary li').first().waitFor();
    }
    assert.equal(last.status(), 429);
    const body = await last.json();
    assert.equal(body.error.code, 'rate_limited');
    const summary = box.locator('.bs-summary');
    await summary.filter({ hasText: body.error.message }).waitFor();
    assert.match(await summary.innerText(), /wait|try again/i);
    // A limit is not the address's fault: the earlier field message is gone.
    assert.equal(await box.locator('.bs-invalid').count(), 0);
    assert.ok(await summaryIsFocused(page));
  } finally {
    await context.close();
  }
});
