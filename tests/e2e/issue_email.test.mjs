// The HTML body of an issue email as a reader's mail client shows it: rendered by the
// real binary (`broadsheet issue render ID --to EMAIL --html`) from a Markdown issue in
// a fresh demo publication, then laid out by Chromium at phone (375 px) and desktop
// (800 px) widths, in light and dark mode. Screenshots go to tests/artifacts/.
//
// Mail clients are not browsers, but they share what this checks: the layout must
// not need horizontal scrolling on a phone, the content column stays at most 600 px
// wide, the preheader is hidden, images have alt text, and the footer (postal address,
// why the reader gets this, unsubscribe and preferences links) is visible. The issue
// carries a sponsor block, which must read as an advertisement, apart from the stories.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, DOMAIN, runBinary, launchBrowser, newContext, screenshot } from './helpers.mjs';

const BASE = 'https://news.broadsheet-test.net';
const POSTAL = '1 Harbour Street, Portsmouth PO1 2AB, United Kingdom';
// A map drawn in SVG, served for the image URL (the test has no network).
const MAP_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="500" viewBox="0 0 1200 500">
<rect width="1200" height="500" fill="#dfe9f3"/><path d="M0 300 C 300 220, 600 380, 1200 260" stroke="#7aa6d6" stroke-width="70" fill="none"/>
<path d="M80 80 L 400 200 L 700 260 L 1100 420" stroke="#b3261e" stroke-width="14" fill="none" stroke-dasharray="30 14"/>
<text x="60" y="470" font-family="Arial" font-size="40" fill="#333">Planned tram line</text></svg>`;

let data;
let env;
let html;
let browser;
const reader = `ada.lovelace@${DOMAIN}`;

before(async () => {
  data = fs.mkdtempSync(path.join(os.tmpdir(), 'broadsheet-e2e-issue-'));
  env = {
    BROADSHEET_PUBLICATION_BASE_URL: BASE,
    BROADSHEET_PUBLICATION_POSTAL_ADDRESS: POSTAL,
  };
  runBinary(['init', '--data', data], env);
  runBinary(['demo', '--data', data], env);
  runBinary(['subscriber', 'add', '--data', data, reader, '--name', 'Ada Lovelace',
             '--newsletter', 'morning-briefing', '--confirmed'], env);
  const id = runBinary(['issue', 'create', '--data', data, '--newsletter', 'morning-briefing',
                        '--subject', 'Tram line approved, budget talks resume',
                        '--preheader', 'The council voted 31 to 24; shopkeepers worry about the works.',
                        '--body-file', path.join(REPO, 'tests', 'e2e', 'fixtures', 'issue.md'),
                        '--sponsor-file', path.join(REPO, 'tests', 'e2e', 'fixtures', 'sponsor.md')], env).trim();
  html = runBinary(['issue', 'render', id, '--data', data, '--to', reader, '--html'], env);
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (data && !process.env.BROADSHEET_E2E_KEEP) fs.rmSync(data, { recursive: true, force: true });
});

async function open(width, colorScheme = 'light') {
  const context = await newContext(browser, { viewport: { width, height: 900 }, colorScheme });
  await context.route(`${BASE}/img/**`, (route) =>
    route.fulfill({ status: 200, contentType: 'image/svg+xml', body: MAP_SVG }));
  const page = await context.newPage();
  await page.setContent(html, { waitUntil: 'load' });
  return { context, page };
}

// Everything the layout measures, in one round trip.
function measure(page) {
  return page.evaluate(() => {
    const widest = [...document.querySelectorAll('body *')]
      .map((e) => e.getBoundingClientRect().right)
      .reduce((a, b) => Math.max(a, b), 0);
    const column = document.querySelector('table[role="presentation"] table[role="presentation"]');
    const paragraph = [...document.querySelectorAll('p')].find((p) => p.textContent.includes('three years'));
    return {
      scrollWidth: document.documentElement.scrollWidth,
      widest,
      column: column.getBoundingClientRect().width,
      fontSize: parseFloat(getComputedStyle(paragraph).fontSize),
      images: [...document.images].map((i) => ({ alt: i.alt, width: i.getBoundingClientRect().width, loaded: i.naturalWidth > 0 })),
      styleRules: [...document.styleSheets].flatMap((s) => [...s.cssRules]).map((r) => r.cssText),
    };
  });
}

test('the email fits a 375 px phone without sideways scrolling', async () => {
  const { context, page } = await open(375);
  const m = await measure(page);
  await screenshot(page, 'issue-email-375');
  assert.ok(m.scrollWidth <= 375, `page is ${m.scrollWidth} px wide`);
  assert.ok(m.widest <= 375.5, `an element reaches ${m.widest} px`);
  assert.ok(m.fontSize >= 16, `body text is ${m.fontSize} px`);
  for (const img of m.images) {
    assert.ok(img.alt.length > 0, 'every image has alt text');
    assert.ok(img.loaded, 'the image loaded');
    assert.ok(img.width <= 375 - 24, `an image is ${img.width} px wide`);
  }
  await context.close();
});

test('the content column is at most 600 px on a desktop', async () => {
  const { context, page } = await open(800);
  const m = await measure(page);
  await screenshot(page, 'issue-email-800');
  assert.ok(m.column <= 600 && m.column >= 580, `column is ${m.column} px`);
  assert.ok(m.scrollWidth <= 800);
  await context.close();
});

test('the preheader is hidden and the footer tells who, why and how to leave', async () => {
  const { context, page } = await open(800);
  const preheader = page.getByText('The council voted 31 to 24; shopkeepers worry', { exact: false });
  assert.equal(await preheader.count(), 1);
  assert.equal(await preheader.isVisible(), false, 'the preheader is not shown');
  assert.ok(await page.getByText('Good morning Ada Lovelace,').isVisible());
  assert.ok(await page.getByText(POSTAL, { exact: false }).isVisible());
  assert.ok(await page.getByText(reader, { exact: false }).isVisible(), 'why: the address that subscribed');
  const unsubscribe = page.getByRole('link', { name: 'Unsubscribe' });
  assert.ok(await unsubscribe.isVisible());
  assert.match(await unsubscribe.getAttribute('href'), /^https:\/\/news\.broadsheet-test\.net\/u\/[A-Za-z0-9_-]+$/);
  const manage = page.getByRole('link', { name: 'Manage your newsletters' });
  assert.match(await manage.getAttribute('href'), /\/p\/[A-Za-z0-9_-]+$/);
  assert.ok(await page.getByRole('link', { name: 'View this issue in your browser' }).isVisible());
  // The table from the Markdown is a real table with its header row.
  assert.equal(await page.locator('th').count(), 3);
  assert.equal(await page.getByRole('cell', { name: '18,002.10', exact: true }).count(), 1);
  await context.close();
});

test('dark mode recolours the email and keeps it readable', async () => {
  const { context, page } = await open(375, 'dark');
  await screenshot(page, 'issue-email-375-dark');
  const colours = await page.evaluate(() => {
    const p = [...document.querySelectorAll('p')].find((e) => e.textContent.includes('three years'));
    const card = p.closest('td.bs-card') || p.closest('td');
    return { text: getComputedStyle(p).color, card: getComputedStyle(document.querySelector('.bs-card')).backgroundColor };
  });
  const lum = (rgb) => {
    const [r, g, b] = rgb.match(/\d+/g).map(Number).map((v) => v / 255)
      .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [hi, lo] = [lum(colours.text), lum(colours.card)].sort((a, b) => b - a);
  const contrast = (hi + 0.05) / (lo + 0.05);
  assert.ok(lum(colours.card) < 0.1, `card is dark in dark mode: ${colours.card}`);
  assert.ok(contrast >= 7, `text contrast ${contrast.toFixed(1)} (${colours.text} on ${colours.card})`);
  await context.close();
});

test('the sponsor block stands labelled and apart between the first two stories', async () => {
  for (const colorScheme of ['light', 'dark']) {
    const { context, page } = await open(375, colorScheme);
    const box = page.locator('.bs-sponsor');
    assert.equal(await box.count(), 1);
    await screenshot(box, `issue-email-sponsor-375-${colorScheme}`);
    const label = box.getByText('Advertisement', { exact: true });
    assert.ok(await label.isVisible(), 'labelled');
    assert.ok(await box.getByText('Harbour Coffee Roasters, Ada Lovelace', { exact: false }).isVisible());
    const m = await page.evaluate(() => {
      const top = (text) => [...document.querySelectorAll('h2')]
        .find((h) => h.textContent.includes(text)).getBoundingClientRect().top;
      const box = document.querySelector('.bs-sponsor');
      const cell = box.querySelector('td');
      const card = document.querySelector('.bs-card');
      const style = getComputedStyle(cell);
      return {
        first: top('Council approves'), second: top('Markets at the close'),
        box: box.getBoundingClientRect(), scrollWidth: document.documentElement.scrollWidth,
        background: style.backgroundColor, border: style.borderTopWidth,
        card: getComputedStyle(card).backgroundColor,
      };
    });
    assert.ok(m.first < m.box.top && m.box.bottom < m.second, 'between the first and second story');
    assert.ok(m.box.right <= 375 && m.scrollWidth <= 375, 'fits the phone');
    assert.notEqual(m.background, m.card, 'a tint of its own');
    assert.equal(m.border, '1px', 'a border of its own');
    await context.close();
  }
});
