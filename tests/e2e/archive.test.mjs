// The web version of an issue and the newsletter's archive page in a real browser, on a
// 375 px phone: an issue written from tests/e2e/fixtures/issue.md and sent with the real
// CLI (`issue send --wait`, handed to the running server, outbox transport) to a reader
// with a name, then GET /archive/SLUG/ID and GET /archive/SLUG. Screenshots go to
// tests/artifacts/archive-375.png and archive-list-375.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { DOMAIN, REPO, launchBrowser, newContext, screenshot, startServer } from './helpers.mjs';

const SLUG = 'morning-briefing';
const SUBJECT = 'Tram line approved, budget talks resume';
// The image the fixture shows, served here (the test has no network).
const IMAGE = 'https://news.broadsheet-test.net/img/**';
const MAP_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="500" viewBox="0 0 1200 500">
<rect width="1200" height="500" fill="#dfe9f3"/><path d="M0 300 C 300 220, 600 380, 1200 260" stroke="#7aa6d6" stroke-width="70" fill="none"/>
<path d="M80 80 L 400 200 L 700 260 L 1100 420" stroke="#b3261e" stroke-width="14" fill="none" stroke-dasharray="30 14"/></svg>`;

let server;
let browser;
let issueId;
let draftId;
const reader = `ada.lovelace@${DOMAIN}`;

before(async () => {
  server = await startServer();
  server.cli('subscriber', 'add', reader, '--name', 'Ada Lovelace', '--newsletter', SLUG, '--confirmed');
  const body = path.join(REPO, 'tests', 'e2e', 'fixtures', 'issue.md');
  issueId = server.cli('issue', 'create', '--newsletter', SLUG, '--subject', SUBJECT,
                       '--preheader', 'The council voted 31 to 24; shopkeepers worry about the works.',
                       '--body-file', body).trim();
  draftId = server.cli('issue', 'create', '--newsletter', SLUG, '--subject', 'Draft: not for readers',
                       '--body-file', body).trim();
  server.cli('issue', 'send', issueId, '--wait');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function open(urlPath) {
  const context = await newContext(browser, { viewport: { width: 375, height: 800 } });
  await context.route(IMAGE, (route) =>
    route.fulfill({ status: 200, contentType: 'image/svg+xml', body: MAP_SVG }));
  const page = await context.newPage();
  const response = await page.goto(server.base + urlPath, { waitUntil: 'load' });
  return { context, page, response };
}

function widths(page) {
  return page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    widest: [...document.querySelectorAll('body *')]
      .map((e) => e.getBoundingClientRect().right)
      .reduce((a, b) => Math.max(a, b), 0),
  }));
}

test('the issue page reads well on a 375 px phone and holds no reader data', async () => {
  const { context, page, response } = await open(`/archive/${SLUG}/${issueId}`);
  assert.equal(response.status(), 200);
  await page.locator('img').first().evaluate((img) => img.decode());
  await screenshot(page, 'archive-375');
  assert.equal(await page.title(), SUBJECT);
  assert.ok(await page.getByRole('heading', { name: 'Council approves the new tram line' }).isVisible());
  assert.ok(await page.getByText('Good morning reader,').isVisible(), 'the neutral greeting');
  const { scrollWidth, widest } = await widths(page);
  assert.ok(scrollWidth <= 375, `page is ${scrollWidth} px wide`);
  assert.ok(widest <= 375.5, `an element reaches ${widest} px`);

  const text = await page.evaluate(() => document.documentElement.outerHTML);
  assert.ok(!text.includes('Ada') && !text.includes('Lovelace'), 'no reader name');
  assert.ok(!text.includes(DOMAIN), 'no reader address');
  const paths = await page.locator('a').evaluateAll((as) => as.map((a) => new URL(a.href).pathname));
  assert.ok(paths.every((p) => !/^\/[up]\//.test(p)), `no unsubscribe or preferences link: ${paths.join(' ')}`);
  assert.equal(await page.getByText('View this issue in your browser').count(), 0, 'this is it');
  assert.equal(await page.getByText('Unsubscribe').count(), 0);
  assert.ok(await page.getByRole('link', { name: 'Get Morning Briefing by email' }).isVisible());
  assert.deepEqual(context.pageErrors, []);
  await context.close();
});

test('the archive page lists the sent issue, links to it, and advertises the feed', async () => {
  const { context, page, response } = await open(`/archive/${SLUG}`);
  assert.equal(response.status(), 200);
  await screenshot(page, 'archive-list-375');
  const { scrollWidth } = await widths(page);
  assert.ok(scrollWidth <= 375, `page is ${scrollWidth} px wide`);
  const feed = page.locator('head link[rel="alternate"][type="application/atom+xml"]');
  assert.equal(await feed.getAttribute('href'), `/archive/${SLUG}/feed.atom`);
  assert.equal(await page.getByText('Draft: not for readers').count(), 0);
  assert.ok(await page.locator('.bs-signup').isVisible(), 'the sign-up box for this newsletter');
  await page.getByRole('link', { name: SUBJECT }).click();
  await page.waitForURL(`**/archive/${SLUG}/${issueId}`);
  assert.equal(await page.title(), SUBJECT);
  const draft = await page.request.get(`${server.base}/archive/${SLUG}/${draftId}`);
  assert.equal(draft.status(), 404);
  await context.close();
});
