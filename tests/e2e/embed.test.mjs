// The embeddable box on a publisher's page on another origin whose CSS tramples
// everything (tests/e2e/fixtures/hostile.html, served by a tiny node server): the box
// still shows, looks like itself and works, it changes nothing on the host page, and the
// reader's browser talks to no one but the host page and Broadsheet.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {
  REPO,
  freePort,
  launchBrowser,
  newContext,
  passRobotCheck,
  screenshot,
  startServer,
  uniqueAddress,
  waitForMail,
} from './helpers.mjs';

const FIXTURE = path.join(REPO, 'tests', 'e2e', 'fixtures', 'hostile.html');

let server;
let browser;
let host; // { base, close() }

// The publisher's site: GET / is the hostile page with the embeds, GET /?plain the same
// page without them, to compare the host page's own styles against.
async function startHostSite(broadsheetBase) {
  const port = await freePort();
  const template = fs.readFileSync(FIXTURE, 'utf8').replaceAll('__BROADSHEET__', broadsheetBase);
  const plain = template
    .replace(/<script src="[^"]*embed\/signup\.js"[^>]*><\/script>\n/, '')
    .replace(/<aside id="element-embed"[\s\S]*?<\/aside>\n/, '');
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname !== '/') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(url.searchParams.has('plain') ? plain : template);
  });
  await new Promise((resolve) => srv.listen(port, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => srv.close(resolve)),
  };
}

before(async () => {
  server = await startServer();
  host = await startHostSite(server.base);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.close();
  await server?.stop();
});

async function openHostPage(viewport = { width: 1280, height: 900 }, query = '') {
  const context = await newContext(browser, { viewport });
  const page = await context.newPage();
  await page.goto(host.base + '/' + query);
  return { context, page };
}

// The styles of the host page's own elements that a leaking box could change.
const PROPS = [
  'color', 'font-size', 'font-family', 'line-height', 'letter-spacing', 'text-transform',
  'display', 'margin-top', 'margin-bottom', 'padding-top', 'background-color', 'visibility',
  'box-sizing', 'opacity', 'color-scheme',
];
async function hostStyles(page) {
  return page.evaluate((props) => {
    const pick = (el) => {
      const cs = getComputedStyle(el);
      return Object.fromEntries(props.map((p) => [p, cs.getPropertyValue(p)]));
    };
    const out = {};
    for (const sel of ['html', 'body', '#headline', '#p1', '#p2', '#host-input', '#host-button']) {
      out[sel] = pick(document.querySelector(sel));
    }
    out.head = [...document.head.children].map((e) => e.outerHTML);
    out.styleSheets = document.styleSheets.length;
    out.adopted = document.adoptedStyleSheets.length;
    out.rootVars = getComputedStyle(document.documentElement).getPropertyValue('--altcha-color-primary');
    return out;
  }, PROPS);
}

function scriptBox(page) {
  return page.locator('[data-broadsheet-signup-box] .bs-signup');
}
function elementBox(page) {
  return page.locator('#element-embed .bs-signup');
}

describe('embedded on a hostile publisher page', () => {
  test('both embeds show a box that looks like itself', async () => {
    const { context, page } = await openHostPage();
    try {
      const box = scriptBox(page);
      await box.waitFor();
      // Where the script tag is: between the first and second paragraphs.
      const order = await page.evaluate(() => {
        const c = document.querySelector('[data-broadsheet-signup-box]');
        return [c.previousElementSibling.id, c.nextElementSibling.tagName, c.nextElementSibling.nextElementSibling.id];
      });
      assert.deepEqual(order, ['p1', 'SCRIPT', 'p2']);
      // In a shadow root: the host page's selectors cannot reach it.
      assert.ok(await page.evaluate(() => !!document.querySelector('[data-broadsheet-signup-box]').shadowRoot));
      assert.equal(await page.evaluate(() => document.querySelectorAll('.bs-signup, altcha-widget').length), 0);

      const email = box.getByLabel('Email address');
      const button = box.getByRole('button', { name: 'Sign up' });
      const robot = box.locator('altcha-widget input[type="checkbox"]');
      await robot.waitFor();
      for (const [what, loc] of [['box', box], ['email', email], ['button', button], ['robot check', robot]]) {
        assert.ok(await loc.isVisible(), `${what} is visible despite the page's CSS`);
      }
      const look = await email.evaluate((input) => {
        const host = input.getRootNode().host;
        const b = input.closest('.bs-signup');
        const btn = b.querySelector('.bs-button');
        const cs = (e) => getComputedStyle(e);
        return {
          hostDisplay: cs(host).display,
          hostOpacity: cs(host).opacity,
          hostTransform: cs(host).transform,
          hostPadding: cs(host).paddingTop,
          inputFont: cs(input).fontSize,
          inputFamily: cs(input).fontFamily,
          inputColor: cs(input).color,
          inputDisplay: cs(input).display,
          labelTransform: cs(b.querySelector('.bs-label')).textTransform,
          labelSpacing: cs(b.querySelector('.bs-label')).letterSpacing,
          titleColor: cs(b.querySelector('.bs-title')).color,
          titleFont: cs(b.querySelector('.bs-title')).fontSize,
          buttonBg: cs(btn).backgroundColor,
          buttonColor: cs(btn).color,
          altchaPrimary: cs(b.querySelector('altcha-widget')).getPropertyValue('--altcha-color-primary').trim(),
          altchaFont: cs(b.querySelector('.altcha-checkbox-wrap label')).fontSize,
          altchaBorder: cs(b.querySelector('.altcha-main')).borderTopStyle,
        };
      });
      assert.equal(look.hostDisplay, 'block');
      assert.equal(look.hostOpacity, '1');
      assert.equal(look.hostTransform, 'none');
      assert.equal(look.hostPadding, '0px');
      assert.equal(look.inputFont, '17px');
      assert.doesNotMatch(look.inputFamily, /comic/i);
      assert.equal(look.inputColor, 'rgb(26, 26, 26)');
      assert.equal(look.inputDisplay, 'block');
      assert.equal(look.labelTransform, 'none');
      assert.equal(look.labelSpacing, 'normal');
      assert.equal(look.titleColor, 'rgb(26, 26, 26)');
      assert.ok(parseFloat(look.titleFont) >= 22 && parseFloat(look.titleFont) <= 30, look.titleFont);
      assert.equal(look.buttonBg, 'rgb(11, 83, 148)');
      assert.equal(look.buttonColor, 'rgb(255, 255, 255)');
      assert.notEqual(look.altchaPrimary, 'hotpink');
      assert.equal(look.altchaFont, '16px', "ALTCHA's rem sizes follow the box, not the page's 9px root");
      assert.equal(look.altchaBorder, 'solid', "ALTCHA's own CSS applies inside the shadow root");

      // The element embed: its fallback link gives way to a box with both newsletters ticked.
      const second = elementBox(page);
      await second.waitFor();
      const ticked = await second.locator('input[name="newsletters"]:checked').evaluateAll((l) => l.map((i) => i.value));
      assert.deepEqual(ticked.sort(), ['morning-briefing', 'the-long-read']);
      assert.ok(!(await page.locator('#element-embed > a').isVisible()), 'the fallback link is replaced');

      await screenshot(box, 'embed-hostile-box-1280');
      await screenshot(page, 'embed-hostile-page-1280');
      assert.deepEqual(context.foreignRequests, []);
      assert.deepEqual(context.pageErrors, []);
    } finally {
      await context.close();
    }
  });

  test('the box changes nothing on the host page', async () => {
    const plainPage = await openHostPage(undefined, '?plain');
    const withBox = await openHostPage();
    try {
      const before = await hostStyles(plainPage.page);
      await scriptBox(withBox.page).locator('altcha-widget input[type="checkbox"]').waitFor();
      await elementBox(withBox.page).locator('altcha-widget input[type="checkbox"]').waitFor();
      const afterBox = await hostStyles(withBox.page);
      // The page with the box has one more <script> in <body>, nothing else in <head>.
      assert.deepEqual(afterBox.head, before.head, 'nothing added to <head>');
      assert.equal(afterBox.styleSheets, before.styleSheets, 'no stylesheet added to the page');
      assert.equal(afterBox.adopted, 0);
      assert.equal(afterBox.rootVars, before.rootVars);
      for (const sel of ['html', 'body', '#headline', '#p1', '#p2', '#host-input', '#host-button']) {
        assert.deepEqual(afterBox[sel], before[sel], `${sel} keeps its styles`);
      }
    } finally {
      await plainPage.context.close();
      await withBox.context.close();
    }
  });

  test('fits a phone on the hostile page', async () => {
    const { context, page } = await openHostPage({ width: 375, height: 800 });
    try {
      const box = scriptBox(page);
      await box.locator('altcha-widget input[type="checkbox"]').waitFor();
      const rect = await box.boundingBox();
      assert.ok(rect.x >= 0 && rect.x + rect.width <= 375, `box ${JSON.stringify(rect)}`);
      const button = await box.getByRole('button', { name: 'Sign up' }).boundingBox();
      assert.ok(button.height >= 44 && button.width >= 200, `full-width button ${JSON.stringify(button)}`);
      await screenshot(box, 'embed-hostile-box-375');
    } finally {
      await context.close();
    }
  });

  test('a reader signs up from the publisher page (cross-origin)', async () => {
    const { context, page } = await openHostPage();
    const address = uniqueAddress('embed');
    try {
      const box = scriptBox(page);
      await box.waitFor();
      const started = Date.now() - 1000;

      // First a message: the address is wrong; it shows inside the shadow root.
      await box.getByLabel('Email address').fill('nobody-at-all');
      await box.getByRole('button', { name: 'Sign up' }).click();
      await box.locator('.bs-field[data-field="email"] .bs-error').filter({ hasText: /re-?enter/i }).waitFor();
      const activeId = await page.evaluate(() => {
        const host = document.querySelector('[data-broadsheet-signup-box]');
        return host.shadowRoot.activeElement && host.shadowRoot.activeElement.id;
      });
      assert.equal(activeId, 'bs-email', 'the focus moves to the address, inside the shadow root');

      await box.getByLabel('Email address').fill(address);
      await passRobotCheck(box);
      const response = page.waitForResponse((r) => r.url() === server.base + '/api/v1/public/subscriptions' && r.request().method() === 'POST');
      await box.getByRole('button', { name: 'Sign up' }).click();
      assert.equal((await response).status(), 202);
      await box.locator('.bs-success').filter({ hasText: /thank you/i }).waitFor();

      const mail = await waitForMail(server.data, address, { after: started });
      assert.match(mail.text, /\/confirm\//);
      await screenshot(box, 'embed-hostile-success-1280');
      const origins = new Set(context.foreignRequests);
      assert.deepEqual([...origins], []);
    } finally {
      await context.close();
    }
  });
});
