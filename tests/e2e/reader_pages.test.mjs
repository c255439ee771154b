// The reader pages behind an issue's links, in a real browser (issue 16): the
// preferences page offers a searchable list of time zones (an <input list> over a
// <datalist> of the system's IANA zones) that works without JavaScript and is checked
// by the server, and the unsubscribe page of a reader who already left says so, with
// the way back, instead of asking again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { findLink, launchBrowser, newContext, screenshot, startServer, uniqueAddress } from './helpers.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// A draft of the Morning Briefing, made once, whose copies carry the reader links.
let issueId = null;
function issue() {
  if (issueId === null) {
    const body = path.join(server.data, 'issue.md');
    fs.writeFileSync(body, 'Good morning, {{name}}.\n\nToday in brief.\n');
    issueId = server
      .cli('issue', 'create', '--newsletter', 'morning-briefing', '--subject', 'Tuesday', '--body-file', body)
      .trim();
  }
  return issueId;
}

// A confirmed reader of the Morning Briefing and the links of their copy of the issue.
function readerLinks(who) {
  const address = uniqueAddress(who);
  server.cli('subscriber', 'add', address, '--newsletter', 'morning-briefing', '--confirmed');
  const message = server.cli('issue', 'render', issue(), '--to', address, '--text');
  const preferences = findLink(message, '/p/');
  const unsubscribe = findLink(message, '/u/');
  assert.ok(preferences && unsubscribe, `links in the rendered issue:\n${message}`);
  return { address, preferences, unsubscribe };
}

function shown(address) {
  return JSON.parse(server.cli('subscriber', 'show', address, '--json'));
}

describe('reader pages', () => {
  test('the time zone is picked from a searchable list and checked by the server', async () => {
    const { address, preferences } = readerLinks('zone');
    const context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    try {
      await page.goto(preferences);
      const zone = page.getByLabel(/Time zone/);
      assert.equal(await zone.getAttribute('list'), 'pref-timezones');
      const options = await page.locator('datalist#pref-timezones option').evaluateAll((os) =>
        os.map((o) => o.value),
      );
      assert.ok(options.length > 300, `${options.length} zones offered`);
      for (const z of ['UTC', 'Europe/Paris', 'Asia/Kolkata', 'America/New_York']) {
        assert.ok(options.includes(z), z);
      }
      // What a reader searching for "Kolk" is offered.
      assert.deepEqual(
        options.filter((o) => o.toLowerCase().includes('kolk')),
        ['Asia/Kolkata'],
      );

      await zone.fill('Atlantis/Capital');
      await page.getByRole('button', { name: 'Save preferences' }).click();
      await page.waitForLoadState();
      assert.match(await page.locator('[role="alert"]').innerText(), /not known/);
      assert.equal(shown(address).timezone, '');

      await page.getByLabel(/Time zone/).fill('Asia/Kolkata');
      await page.getByRole('button', { name: 'Save preferences' }).click();
      await page.waitForLoadState();
      assert.match(await page.locator('[role="status"]').innerText(), /saved/);
      assert.equal(shown(address).timezone, 'Asia/Kolkata');
      await page.getByLabel(/Time zone/).focus();
      await screenshot(page, 'preferences-time-zone-1280');
      assert.deepEqual(context.foreignRequests, []);
      assert.deepEqual(context.pageErrors, []);
    } finally {
      await context.close();
    }
  });

  test('the time zone list works without JavaScript', async () => {
    const { address, preferences } = readerLinks('nojs');
    const context = await newContext(browser, { javaScriptEnabled: false });
    const page = await context.newPage();
    try {
      await page.goto(preferences);
      await page.getByLabel(/Time zone/).fill('europe/paris');  // any case: the server's spelling
      await page.getByRole('button', { name: 'Save preferences' }).click();
      await page.waitForLoadState();
      assert.equal(shown(address).timezone, 'Europe/Paris');
      assert.equal(await page.getByLabel(/Time zone/).inputValue(), 'Europe/Paris');
    } finally {
      await context.close();
    }
  });

  test('the unsubscribe page after an unsubscribe says so and offers the way back', async () => {
    const { address, unsubscribe } = readerLinks('left');
    const context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    try {
      await page.goto(unsubscribe);
      await page.getByRole('button', { name: 'Unsubscribe' }).click();
      await page.waitForLoadState();
      assert.match(await page.locator('main').innerText(), /You have been unsubscribed/);

      // The link again, from the same email.
      await page.goto(unsubscribe);
      const main = page.locator('main');
      assert.match(await main.innerText(), /already unsubscribed/i);
      assert.equal(await page.getByRole('button').count(), 0, 'not asked again');
      await screenshot(page, 'unsubscribe-already-1280');
      await page.getByRole('link', { name: /Subscribe again/ }).click();
      await page.waitForLoadState();
      const mb = page.getByRole('checkbox', { name: /Morning Briefing/ });
      assert.equal(await mb.isChecked(), false);
      await mb.check();
      await page.getByRole('button', { name: 'Save preferences' }).click();
      await page.waitForLoadState();
      const subs = shown(address).subscriptions;
      assert.equal(subs.find((s) => s.newsletter === 'morning-briefing').status, 'confirmed');
      assert.deepEqual(context.pageErrors, []);
    } finally {
      await context.close();
    }
  });
});
