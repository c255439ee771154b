// The Content-Security-Policy the server sends (src/http/server_wire.hpp) breaks
// nothing on the pages readers see: each page is loaded in Chromium with every CSP
// violation recorded (the browser's securitypolicyviolation events and its console
// reports), and the sign-up box's robot check, which runs in workers from blob: URLs
// and sets inline styles, is solved under it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newContext, passRobotCheck, startServer } from './helpers.mjs';

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

async function open(urlPath) {
  const context = await newContext(browser);
  const violations = [];
  await context.exposeBinding('__cspViolation', (_source, text) => violations.push(text));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      globalThis.__cspViolation(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  const response = await page.goto(server.base + urlPath, { waitUntil: 'load' });
  return { context, page, response, violations };
}

for (const urlPath of ['/', '/subscribe', '/newsletters', '/archive/morning-briefing']) {
  test(`${urlPath} loads under its policy`, async () => {
    const { context, page, response, violations } = await open(urlPath);
    try {
      const policy = response.headers()['content-security-policy'];
      assert.match(policy, /default-src 'self'/);
      await page.waitForTimeout(300);
      assert.deepEqual(violations, []);
      assert.deepEqual(context.pageErrors, []);
    } finally {
      await context.close();
    }
  });
}

test('the robot check of the box is solved under the policy', async () => {
  const { context, page, violations } = await open('/subscribe');
  try {
    await passRobotCheck(page);
    assert.deepEqual(violations, []);
    assert.deepEqual(context.pageErrors, []);
  } finally {
    await context.close();
  }
});
