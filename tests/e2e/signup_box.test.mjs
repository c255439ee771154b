// The sign-up box on Broadsheet's own pages, in a real browser: the demo article (GET /)
// shows it between the second and third paragraphs, /newsletters shows one box with
// every newsletter. Messages, keyboard use, phones, the plain HTML form without
// JavaScript, and a whole sign-up: box -> confirmation email in the outbox -> confirm
// -> preferences.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  findLink,
  launchBrowser,
  newContext,
  passRobotCheck,
  screenshot,
  startServer,
  uniqueAddress,
  waitForMail,
} from './helpers.mjs';

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

async function openArticle(options = {}) {
  const context = await newContext(browser, { viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  await page.goto(server.base + '/');
  const box = page.locator('article .bs-signup');
  await box.waitFor();
  if (options.javaScriptEnabled !== false) {
    await page.locator('.bs-signup[data-bs-enhanced]').waitFor({ state: 'attached' });
  }
  return { context, page, box };
}

async function submit(box) {
  const page = box.page();
  const response = page.waitForResponse((r) => r.url().endsWith('/api/v1/public/subscriptions'));
  await box.getByRole('button', { name: 'Sign up' }).click();
  return response;
}

// The active element's description, looking through shadow roots.
async function focused(page) {
  return page.evaluate(() => {
    let e = document.activeElement;
    while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;
    if (!e || e === document.body) return null;
    return {
      tag: e.tagName.toLowerCase(),
      id: e.id,
      name: e.getAttribute('name'),
      type: e.getAttribute('type'),
      inBox: !!e.closest('.bs-signup'),
      text: (e.textContent || '').trim().slice(0, 60),
      outlineStyle: getComputedStyle(e).outlineStyle,
      outlineWidth: parseFloat(getComputedStyle(e).outlineWidth),
    };
  });
}

describe('the box on the demo article', () => {
  test('sits between the second and third paragraphs with everything a reader needs', async () => {
    const { context, page, box } = await openArticle();
    try {
      const place = await page.evaluate(() => {
        const boxEl = document.querySelector('article .bs-signup');
        const body = [...boxEl.parentElement.children].filter((e) => e.tagName === 'P' && !e.className);
        const follows = (p) => !!(p.compareDocumentPosition(boxEl) & Node.DOCUMENT_POSITION_FOLLOWING);
        return { before: body.filter(follows).length, after: body.filter((p) => !follows(p)).length };
      });
      assert.equal(place.before, 2, 'two paragraphs before the box');
      assert.ok(place.after >= 1, 'the story goes on after the box');

      // The offered newsletter as a headline, with its description and schedule.
      await assert.doesNotReject(box.getByRole('heading', { name: 'Morning Briefing' }).waitFor());
      assert.match(await box.locator('.bs-description').innerText(), /\w{3,}/);
      assert.match(await box.locator('.bs-schedule').innerText(), /\d\d:\d\d|week|day/i);
      assert.match(await box.locator('.bs-eyebrow').innerText(), /newsletter sign up/i);

      // Labelled fields, the pre-ticked newsletter, the robot check, consent, button.
      const email = box.getByLabel('Email address');
      assert.equal(await email.getAttribute('type'), 'email');
      assert.equal(await email.getAttribute('autocomplete'), 'email');
      assert.ok(await box.getByLabel(/Your name/).isVisible());
      const newsletter = box.getByRole('checkbox', { name: 'Morning Briefing' });
      assert.ok(await newsletter.isChecked(), 'the offered newsletter is pre-ticked');
      assert.equal(await box.getByRole('group', { name: /newsletter/i }).count(), 1, 'a fieldset with a legend');
      const robot = box.getByRole('checkbox', { name: /not a robot/i });
      await robot.waitFor();
      assert.ok(!(await robot.isChecked()));
      const consent = box.locator('.bs-consent');
      assert.match(await consent.innerText(), /unsubscribe/i);
      const button = box.getByRole('button', { name: 'Sign up' });
      assert.equal(await button.getAttribute('aria-describedby'), await consent.getAttribute('id'));
      assert.equal(await box.locator('[aria-live="polite"]').count(), 1);

      // Filled in by the script: the reader's time zone.
      assert.equal(await box.locator('input[name="timezone"]').inputValue(), 'Europe/London');
      assert.equal(await box.locator('input[name="page"]').inputValue(), '/');

      // Every class in the box is ours.
      const foreign = await box.evaluate((el) =>
        [el, ...el.querySelectorAll('[class]')]
          .filter((e) => !e.closest('altcha-widget'))
          .flatMap((e) => [...e.classList])
          .filter((c) => !c.startsWith('bs-')),
      );
      assert.deepEqual(foreign, []);

      await screenshot(box, 'box-article-1280');
      assert.deepEqual(context.foreignRequests, [], 'no request leaves for a third party');
      assert.deepEqual(context.pageErrors, []);
    } finally {
      await context.close();
    }
  });

  test('an invalid address asks the reader to re-enter it', async () => {
    const { context, page, box } = await openArticle();
    try {
      const email = box.getByLabel('Email address');
      await email.fill('jane.doe.at.nowhere');
      const response = await submit(box);
      assert.equal(response.status(), 422);
      const sent = (await response.json()).errors.find((e) => e.field === 'email');
      assert.equal(sent.code, 'invalid_email');

      const field = box.locator('.bs-field[data-field="email"]');
      await field.locator('.bs-error').filter({ hasText: /re-?enter/i }).waitFor();
      assert.match(await field.locator('.bs-error').innerText(), new RegExp(escape(sent.message)));
      assert.equal(await email.getAttribute('aria-invalid'), 'true');
      const describedBy = await email.getAttribute('aria-describedby');
      assert.equal(await field.locator('.bs-error').getAttribute('id'), describedBy);
      assert.equal((await focused(page)).id, 'bs-email', 'the focus moves to the address');
      assert.match(await box.locator('.bs-summary').innerText(), /re-?enter/i);
      assert.equal(await email.inputValue(), 'jane.doe.at.nowhere', 'the input is kept');
      await screenshot(box, 'box-errors-1280');
    } finally {
      await context.close();
    }
  });

  test('no newsletter ticked asks the reader to select one', async () => {
    const { context, page, box } = await openArticle();
    try {
      await box.getByLabel('Email address').fill(uniqueAddress('none'));
      const newsletter = box.getByRole('checkbox', { name: 'Morning Briefing' });
      await newsletter.uncheck();
      const response = await submit(box);
      assert.equal(response.status(), 422);
      const sent = (await response.json()).errors.find((e) => e.field === 'newsletters');
      assert.equal(sent.code, 'no_newsletter');
      const field = box.locator('.bs-field[data-field="newsletters"]');
      await field.locator('.bs-error').filter({ hasText: /select/i }).waitFor();
      assert.equal(await newsletter.getAttribute('aria-invalid'), 'true');
      const f = await focused(page);
      assert.equal(f.name, 'newsletters', 'the focus moves to the newsletter choice');
      assert.ok(!(await box.locator('.bs-field[data-field="email"]').evaluate((e) => e.classList.contains('bs-invalid'))));
    } finally {
      await context.close();
    }
  });

  test('without the robot tick the reader is asked to tick the box', async () => {
    const { context, page, box } = await openArticle();
    try {
      await box.getByLabel('Email address').fill(uniqueAddress('robot'));
      const response = await submit(box);
      assert.equal(response.status(), 422);
      const errors = (await response.json()).errors;
      assert.deepEqual(errors.map((e) => e.field), ['altcha']);
      assert.equal(errors[0].code, 'robot_check_failed');
      const field = box.locator('.bs-field[data-field="altcha"]');
      await field.locator('.bs-error').filter({ hasText: /not a robot/i }).waitFor();
      assert.match(await field.locator('.bs-error').innerText(), /tick/i);
      const robot = box.locator('altcha-widget input[type="checkbox"]');
      assert.equal(await robot.getAttribute('aria-invalid'), 'true');
      assert.equal(await robot.getAttribute('aria-describedby'), await field.locator('.bs-error').getAttribute('id'));
      const f = await focused(page);
      assert.equal(f.type, 'checkbox');
      assert.match(f.id, /^altcha-checkbox/, 'the focus moves to the robot check');

      // Ticking it now clears the message.
      await passRobotCheck(box);
      await field.locator('.bs-error').filter({ hasText: /robot/ }).waitFor({ state: 'hidden' });
    } finally {
      await context.close();
    }
  });

  test('a whole sign-up: thank you, confirmation email, confirm, then preferences', async () => {
    const { context, page, box } = await openArticle();
    const address = uniqueAddress('jane');
    try {
      const started = Date.now() - 1000;
      await box.getByLabel('Email address').fill(address);
      await box.getByLabel(/Your name/).fill('Jane Doe');
      await passRobotCheck(box);
      const response = await submit(box);
      assert.equal(response.status(), 202);
      assert.equal((await response.json()).status, 'pending_confirmation');

      const success = box.locator('.bs-success');
      await success.waitFor();
      assert.match(await success.innerText(), /thank you/i);
      assert.match(await success.innerText(), /inbox/i);
      assert.equal(await box.locator('form').count(), 0, 'the form gives way to the message');
      assert.equal((await focused(page)).id, 'bs-success', 'the focus moves to the message');
      await screenshot(box, 'box-success-1280');

      // The confirmation email, from the outbox.
      const mail = await waitForMail(server.data, address, { after: started });
      const confirmUrl = findLink(mail.text, '/confirm/');
      assert.ok(confirmUrl, `a /confirm/ link in the text part:\n${mail.text}`);
      assert.ok(confirmUrl.startsWith(server.base + '/confirm/'), confirmUrl);

      await page.goto(confirmUrl);
      const confirm = page.getByRole('button', { name: /confirm/i });
      await confirm.click();
      await page.waitForLoadState();
      assert.match(await page.locator('main').innerText(), /you're subscribed|confirmed|thank you for confirming/i);
      await screenshot(page, 'confirmed-page-1280');
      const shown = JSON.parse(server.cli('subscriber', 'show', address, '--json'));
      assert.match(JSON.stringify(shown), /confirmed/);

      // Preferences: from the confirmed page, or else from the email.
      let prefsUrl = null;
      const onPage = page.locator('a[href*="/p/"]');
      if (await onPage.count()) prefsUrl = new URL(await onPage.first().getAttribute('href'), page.url()).href;
      prefsUrl = prefsUrl || findLink(mail.text, '/p/');
      assert.ok(prefsUrl, 'a preferences link on the confirmed page or in the email');
      await page.goto(prefsUrl);
      const mb = page.getByRole('checkbox', { name: /Morning Briefing/ });
      assert.ok(await mb.isChecked(), 'the confirmed newsletter is on');
      await mb.uncheck();
      await page.getByRole('button', { name: /save|update/i }).click();
      await page.waitForLoadState();
      await page.goto(prefsUrl);
      assert.ok(!(await page.getByRole('checkbox', { name: /Morning Briefing/ }).isChecked()), 'now off');
      await screenshot(page, 'preferences-page-1280');
      assert.deepEqual(context.foreignRequests, []);
      assert.deepEqual(context.pageErrors, []);
    } finally {
      await context.close();
    }
  });

  test('keyboard only: Tab, Space and Enter sign a reader up', async () => {
    const { context, page, box } = await openArticle();
    try {
      // From the top of the page, Tab until the focus enters the box: its first stop is
      // the email address.
      let f = null;
      for (let i = 0; i < 40 && !(f && f.inBox); i++) {
        await page.keyboard.press('Tab');
        f = await focused(page);
      }
      assert.ok(f && f.inBox, 'Tab reaches the box');
      assert.equal(f.id, 'bs-email');
      assert.equal(f.outlineStyle, 'solid', 'a visible focus ring');
      assert.ok(f.outlineWidth >= 2);
      await page.keyboard.type(uniqueAddress('keys'));

      await page.keyboard.press('Tab');
      assert.equal((await focused(page)).id, 'bs-name');
      await page.keyboard.type('Kay Board');

      await page.keyboard.press('Tab');
      f = await focused(page);
      assert.equal(f.name, 'newsletters');
      assert.ok(f.outlineWidth >= 2, 'the checkbox shows its focus');
      // Space toggles it off and on again.
      await page.keyboard.press('Space');
      assert.ok(!(await box.getByRole('checkbox', { name: 'Morning Briefing' }).isChecked()));
      await page.keyboard.press('Space');
      assert.ok(await box.getByRole('checkbox', { name: 'Morning Briefing' }).isChecked());

      await page.keyboard.press('Tab');
      f = await focused(page);
      assert.match(f.id, /^altcha-checkbox/, 'then the robot check');
      await page.keyboard.press('Space');
      await box.locator('altcha-widget [data-state="verified"]').waitFor({ state: 'attached', timeout: 60_000 });

      await page.keyboard.press('Tab');
      f = await focused(page);
      assert.equal(f.tag, 'button');
      assert.equal(f.text, 'Sign up');
      assert.ok(f.outlineWidth >= 2, 'the button shows its focus');
      const response = page.waitForResponse((r) => r.url().endsWith('/api/v1/public/subscriptions'));
      await page.keyboard.press('Enter');
      assert.equal((await response).status(), 202);
      await box.locator('.bs-success').waitFor();
      assert.equal((await focused(page)).id, 'bs-success');
    } finally {
      await context.close();
    }
  });

  test('fits a phone: 375 and 320 pixels wide, with large tap targets', async () => {
    for (const width of [375, 320]) {
      const { context, page, box } = await openArticle({
        viewport: { width, height: 740 },
        isMobile: true,
        hasTouch: true,
        deviceScaleFactor: 2,
      });
      try {
        await box.locator('altcha-widget input[type="checkbox"]').waitFor();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `no sideways scrolling at ${width} px (overflow ${overflow})`);
        const rect = await box.boundingBox();
        assert.ok(rect.x >= 0 && rect.x + rect.width <= width, `the box fits at ${width} px`);
        for (const [name, target] of [
          ['email', box.getByLabel('Email address')],
          ['name', box.getByLabel(/Your name/)],
          ['newsletter row', box.locator('.bs-choice').first()],
          ['robot check', box.locator('altcha-widget .altcha-main')],
          ['button', box.getByRole('button', { name: 'Sign up' })],
        ]) {
          const r = await target.boundingBox();
          assert.ok(r.height >= 44, `${name} is at least 44 px tall at ${width} px (${r.height})`);
          assert.ok(r.x >= rect.x && r.x + r.width <= rect.x + rect.width + 0.5, `${name} stays in the box`);
        }
        // The whole newsletter row is the checkbox's tap target.
        const row = box.locator('.bs-choice').first();
        await row.scrollIntoViewIfNeeded();
        const rowBox = await row.boundingBox();
        await page.touchscreen.tap(rowBox.x + rowBox.width - 20, rowBox.y + rowBox.height / 2);
        assert.ok(!(await box.getByRole('checkbox', { name: 'Morning Briefing' }).isChecked()));
        await page.touchscreen.tap(rowBox.x + rowBox.width - 20, rowBox.y + rowBox.height / 2);
        assert.ok(await box.getByRole('checkbox', { name: 'Morning Briefing' }).isChecked());
        if (width === 375) {
          await screenshot(box, 'box-article-375');
          await screenshot(page, 'article-page-375');
        } else {
          await screenshot(box, 'box-article-320');
        }
      } finally {
        await context.close();
      }
    }
  });

  test('without JavaScript it is a plain form: the page comes back with the messages and the input', async () => {
    const { context, page, box } = await openArticle({ javaScriptEnabled: false });
    try {
      // An address the browser's own check lets through but the server refuses.
      await box.getByLabel('Email address').fill('jane@localhost');
      await box.getByLabel(/Your name/).fill('Jane Plain');
      const response = page.waitForResponse((r) => r.url().endsWith('/subscribe') && r.request().method() === 'POST');
      await box.getByRole('button', { name: 'Sign up' }).click();
      assert.equal((await response).status(), 422);
      await page.waitForLoadState();
      const again = page.locator('.bs-signup');
      await again.waitFor();
      assert.match(await again.locator('.bs-field[data-field="email"] .bs-error').innerText(), /re-?enter/i);
      assert.equal(await again.getByLabel('Email address').inputValue(), 'jane@localhost');
      assert.equal(await again.getByLabel(/Your name/).inputValue(), 'Jane Plain');
      assert.equal(await again.getByLabel('Email address').getAttribute('aria-invalid'), 'true');
      assert.ok(await again.getByRole('checkbox', { name: 'Morning Briefing' }).isChecked(), 'the choice is kept');
      assert.match(await again.locator('.bs-summary').innerText(), /re-?enter/i);
      assert.match(await again.locator('.bs-field[data-field="altcha"] .bs-error').innerText(), /robot/i);
      await screenshot(again, 'box-nojs-errors-1280');
    } finally {
      await context.close();
    }
  });
});

describe('the box on /newsletters', () => {
  test('one box lists every newsletter, after the cards', async () => {
    const context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      await page.goto(server.base + '/newsletters');
      const boxes = page.locator('.bs-signup');
      await boxes.first().waitFor();
      assert.equal(await boxes.count(), 1);
      const all = await (await fetch(server.base + '/api/v1/public/newsletters')).json();
      const box = boxes.first();
      for (const n of all) {
        const cb = box.getByRole('checkbox', { name: new RegExp(escape(n.name)) });
        assert.equal(await cb.count(), 1, `a checkbox for ${n.name}`);
      }
      assert.equal(await box.locator('input[name="newsletters"]').count(), all.length);
      const after = await page.evaluate(() => {
        const cards = document.querySelector('.catalog');
        const b = document.querySelector('.bs-signup');
        return !cards || !!(cards.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
      });
      assert.ok(after, 'the box comes after the list of newsletters');
      await page.locator('.bs-signup[data-bs-enhanced]').waitFor({ state: 'attached' });
      await box.locator('altcha-widget input[type="checkbox"]').waitFor();
      await screenshot(box, 'box-newsletters-1280');
      assert.deepEqual(context.foreignRequests, []);
    } finally {
      await context.close();
    }
  });
});

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
