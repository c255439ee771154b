// The desk's readers pages in Chromium: sign in as an audience manager, search a reader,
// open their page, erase them (the confirmation box first), and find them gone; import a
// CSV file with bad rows, watch its progress bar and read the rejected rows, and the
// same with JavaScript off (the form posted as multipart, the job's page reloading
// itself until the report shows); at 1280 and 375 px wide, screenshots in tests/artifacts/ (desk-readers-*.png). No Content-
// Security-Policy violation and no page error.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { DOMAIN, launchBrowser, newContext, screenshot, startServer } from './helpers.mjs';

const PASSWORD = 'correct horse battery';

let server;
let browser;
let badCsv;
let noScriptCsv;

before(async () => {
  server = await startServer({});
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-readers-e2e-'));
  const passwordFile = path.join(dir, 'password');
  fs.writeFileSync(passwordFile, `${PASSWORD}\n`);
  server.cli('user', 'add', 'aud', '--role', 'audience', '--password-file', passwordFile);
  const csv = path.join(dir, 'readers.csv');
  const rows = ['email,name,timezone'];
  for (let i = 0; i < 40; i += 1) rows.push(`page${String(i).padStart(2, '0')}@${DOMAIN},Reader ${i},Europe/Paris`);
  fs.writeFileSync(csv, rows.join('\n') + '\n');
  server.cli('import', csv, '--newsletter', 'morning-briefing', '--confirmed');
  // 200 readers under other headers than the importer knows, three rows of them bad.
  badCsv = path.join(dir, 'other-provider.csv');
  const other = ['Courriel,Nom'];
  for (let i = 0; i < 200; i += 1) other.push(`import${i}@${DOMAIN},Lecteur ${i}`);
  other.push('not an address,Bad One', `two@@${DOMAIN},Bad Two`, ',Bad Three');
  fs.writeFileSync(badCsv, other.join('\n') + '\n');
  noScriptCsv = path.join(dir, 'no-script.csv');
  const plain = ['Courriel,Nom'];
  for (let i = 0; i < 100; i += 1) plain.push(`plain${i}@${DOMAIN},Sans Script ${i}`);
  plain.push('still not an address,Bad One', `again@@${DOMAIN},Bad Two`);
  fs.writeFileSync(noScriptCsv, plain.join('\n') + '\n');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const width of [1280, 375]) {
  test(`search a reader and erase them at ${width} px`, async () => {
    const context = await newContext(browser, { viewport: { width, height: 900 } });
    const page = await context.newPage();
    const problems = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(String(e)));

    await page.goto(`${server.base}/admin/readers?q=page`);
    await page.getByLabel('User name').fill('aud');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.base}/admin/readers?q=page`);
    await page.getByRole('heading', { name: 'Readers', level: 1 }).waitFor();
    const before = await page.locator('table.readers tbody tr').count();
    assert.ok(before >= 39, `${before} readers`);
    await screenshot(page, `desk-readers-list-${width}`);

    const who = width === 1280 ? 'page07' : 'page12';
    await page.getByLabel('Address or name begins with').fill(who);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.waitForURL(new RegExp(`q=${who}`));
    const link = page.getByRole('link', { name: `${who}@${DOMAIN}` });
    assert.equal(await page.locator('table.readers tbody tr').count(), 1);
    await link.click();
    await page.getByRole('heading', { name: `${who}@${DOMAIN}`, level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Consent' }).waitFor();
    await screenshot(page, `desk-readers-reader-${width}`);

    // The browser itself refuses the erasure until the box is ticked.
    const erase = page.getByRole('button', { name: 'Erase for good' });
    await erase.click();
    assert.match(page.url(), /\/admin\/readers\/\d+$/);
    await page.getByLabel(`I want to erase ${who}@${DOMAIN}`).check();
    await erase.click();
    await page.waitForURL(/\/admin\/readers\?erased=/);
    await page.getByRole('status').filter({ hasText: 'The reader was erased.' }).waitFor();
    await page.getByLabel('Address or name begins with').fill('page');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.waitForURL(/q=page&/);
    assert.equal(await page.getByRole('link', { name: `${who}@${DOMAIN}` }).count(), 0);
    assert.equal(await page.locator('table.readers tbody tr').count(), before - 1);
    await screenshot(page, `desk-readers-erased-${width}`);

    assert.deepEqual(problems, []);
    await context.close();
  });
}

// A signed-in audience manager on the import page, the form filled with `csv` into the
// newsletter, confirmed, its columns mapped (Courriel, Nom); console and page errors kept.
async function fillImportForm(options, csv) {
  const context = await newContext(browser, options);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(`${server.base}/admin/imports`);
  await page.getByLabel('User name').fill('aud');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${server.base}/admin/imports`);
  await page.getByLabel(/^File/).setInputFiles(csv);
  await page.getByLabel('Into the newsletter').selectOption('morning-briefing');
  await page.getByLabel(/confirmed elsewhere/).check();
  await page.getByText('Columns, when').click();
  await page.getByLabel('Address column').fill('Courriel');
  await page.getByLabel('Name column', { exact: true }).fill('Nom');
  return { context, page, problems };
}

for (const width of [1280, 375]) {
  test(`import a CSV file with bad rows and read the report at ${width} px`, async () => {
    const { context, page, problems } = await fillImportForm({ viewport: { width, height: 900 } }, badCsv);
    await page.getByRole('button', { name: 'Import' }).click();
    await page.locator('.import-progress[data-done="true"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.import-progress progress').evaluate((p) => p.value), 1);
    const report = await page.locator('.import-report').textContent();
    assert.match(report, /Rows rejected3/);
    assert.match(report, /Rows read203/);
    await screenshot(page, `desk-readers-import-${width}`);

    const link = page.getByRole('link', { name: /rejected rows/ });
    const href = await link.getAttribute('href');
    const errors = await context.request.get(`${server.base}${href}`);
    assert.equal(errors.status(), 200);
    const lines = (await errors.text()).trim().split('\n');
    assert.equal(lines[0], 'line,reason');
    assert.equal(lines.length, 4);

    // The imported readers are there, by the mapped name column.
    await page.goto(`${server.base}/admin/readers?q=Lecteur%20199`);
    assert.equal(await page.getByRole('link', { name: `import199@${DOMAIN}` }).count(), 1);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('import a CSV file with JavaScript disabled and read the report', async () => {
  // Without a file the browser itself refuses (required); the server's refusal is
  // the system tests'.
  const { context, page, problems } = await fillImportForm(
    { viewport: { width: 1280, height: 900 }, javaScriptEnabled: false }, noScriptCsv);
  await page.getByRole('button', { name: 'Import' }).click();
  await page.waitForURL(/\/admin\/imports\/\d+$/);
  // The page reloads itself (meta refresh) until the job is done.
  await page.locator('.import-job[data-done="true"]').waitFor({ timeout: 60_000 });
  const report = await page.locator('.import-report').textContent();
  assert.match(report, /Rows read102/);
  assert.match(report, /New readers100/);
  assert.match(report, /Rows rejected2/);
  const bad = await page.locator('table.bad-rows tbody tr').allTextContents();
  assert.equal(bad.length, 2);
  assert.match(bad[0], /^102/);
  assert.match(bad[1], /^103/);
  await screenshot(page, 'desk-readers-import-no-script-1280');
  const href = await page.getByRole('link', { name: /rejected rows/ }).getAttribute('href');
  const errors = await context.request.get(`${server.base}${href}`);
  assert.equal(errors.status(), 200);
  assert.equal((await errors.text()).trim().split('\n').length, 3);

  await page.goto(`${server.base}/admin/readers?q=plain99`);
  assert.equal(await page.getByRole('link', { name: `plain99@${DOMAIN}` }).count(), 1);
  assert.deepEqual(problems, []);
  await context.close();
});
