/*
 * search.cjs - finding things as staff, in headless Chromium driven by
 * playwright-core: the home page's search (matched words marked, markup
 * people wrote shown as text, FTS5 syntax taken as text), its filters,
 * what a member may not see (a hidden client's chats are not found, its
 * filter is a 404), the clients page with its filter, and the new-chat
 * form's client picker: filtered as one types and "Select all shown"
 * with script, and the same through the server without script, the text
 * typed kept.
 *
 * Seeds 40 client accounts with gatewayctl.  Checks the pages at desktop
 * (1280px) and phone (390px) widths without sideways scrolling and saves
 * screenshots to SCREENSHOT_DIR.  Any script or CSP error fails the test.
 */
'use strict';

const { DESKTOP, PHONE, check, noErrors, openPage, run, seedFirm, shootWidths } =
  require('./lib.cjs');

function seed(env) {
  const { ctl } = env;
  const ids = seedFirm(ctl);
  ids.anna = ctl('contact', 'add', ids.acme, 'Anna Baker', 'anna@acme.example');
  ids.birch = ctl('account', 'add', 'Birch & Sons');
  ctl('contact', 'add', ids.birch, 'Clara Birch', 'clara@birch.example');
  for (let i = 1; i <= 38; i++) {
    ctl('account', 'add', `Client ${String(i).padStart(2, '0')} Holding`);
  }
  ids.thread = ctl('thread', 'new', ids.acme, '--from', ids.member,
    '--subject', 'Year-end accounts 2026', '--remind',
    '--body', 'Hello Anna, please send the **bank statements** for December. ' +
      'Also the <script>alert(1)</script> invoices.');
  ctl('message', 'post', ids.thread, '--from', `staff:${ids.member}`, '--internal',
    '--body', 'Anna said the statements come on Friday.');
  ids.payroll = ctl('thread', 'new', ids.birch, '--from', ids.owner,
    '--subject', 'Payroll <b>March</b>', '--body', 'The salaries of March are ready.');
  return ids;
}

async function search(page, query) {
  await page.fill('#q', query);
  await Promise.all([page.waitForNavigation(), page.press('#q', 'Enter')]);
}

async function ownerSearches(browser, env) {
  const { ctl, ids } = env;
  const link = ctl('link', ids.thread, '--for', `staff:${ids.owner}`);
  const { context, page, errors } = await openPage(browser, link, DESKTOP);
  await page.goto(`${env.base}/`);
  check(await page.isVisible('form[role=search] #q'), 'the staff home has a search');
  check(await page.isVisible('label[for=q]') || (await page.locator('label[for=q]').count()) === 1,
    'the search field has a label');

  await search(page, 'statements');
  const marks = await page.locator('ul.threads mark').allTextContents();
  check(marks.length > 0 && marks.every((m) => m.toLowerCase() === 'statements'),
    `the matched word is marked (${marks.join(', ')})`);
  check(await page.isVisible('text=1 chat found'), 'the count of chats found is said');
  check(await page.isVisible('ul.threads .tag.private'), 'a match in an internal note is labelled');
  await shootWidths(page, 'search-results', (w) => `search results fit at ${w}px`);

  await search(page, 'invoices');
  const snippet = await page.locator('ul.threads .snippet').first().textContent();
  check(snippet.includes('<script>alert(1)</script>'), 'markup someone wrote shows as text');

  for (const q of ['"bank', 'NEAR(bank x)', 'bank* -x', 'subject:tax', '(', 'AND OR NOT']) {
    const resp = await page.goto(`${env.base}/?q=${encodeURIComponent(q)}`);
    check(resp.status() === 200, `the search "${q}" is an ordinary page (${resp.status()})`);
  }

  // Filters: a GET form, so the result is a link.
  await page.goto(`${env.base}/`);
  await page.check('input[name=reminders]');
  await Promise.all([page.waitForNavigation(), page.click('form[role=search] button[type=submit]')]);
  check(page.url().includes('reminders=1'), 'the filter is in the address');
  check((await page.locator('ul.threads > li').count()) === 1, 'one chat has reminders on');
  check(await page.isVisible('ul.threads svg.bell'), 'its row shows the bell');
  await page.uncheck('input[name=reminders]');
  await page.selectOption('select[name=account]', { label: 'Birch & Sons' });
  await Promise.all([page.waitForNavigation(), page.click('form[role=search] button[type=submit]')]);
  check(await page.isVisible('text=Payroll <b>March</b>'), 'the client filter shows Birch\'s chat');
  check(await page.isVisible('ul.threads .author'), 'the row shows who wrote last');
  await shootWidths(page, 'search-filters', (w) => `the filtered list fits at ${w}px`);
  noErrors(errors, 'no script or CSP errors on the staff home');
  await context.close();
}

async function memberSearches(browser, env) {
  const { ctl, ids } = env;
  const link = ctl('link', ids.thread, '--for', `staff:${ids.member}`);
  // The two 404s asked for below are the only failed loads allowed.
  const { context, page, errors } = await openPage(browser, link, PHONE,
    { ignore: /status of 404/ });
  await page.goto(`${env.base}/`);
  await search(page, 'salaries');
  check(await page.isVisible('text=No chat matches.'), 'a member does not find a hidden client\'s chat');
  await search(page, 'birch');
  check(await page.isVisible('text=No chat matches.'), 'nor its client or contact name');
  const hidden = await page.goto(`${env.base}/?account=${ids.birch}`);
  const missing = await page.goto(`${env.base}/?account=999999`);
  check(hidden.status() === 404 && missing.status() === 404,
    'a hidden client in the filter is a 404, like one that does not exist');
  noErrors(errors, 'no script or CSP errors for the member');
  await context.close();
}

async function accountsPage(browser, env) {
  const { ctl, ids } = env;
  const link = ctl('link', ids.thread, '--for', `staff:${ids.owner}`);
  const { context, page, errors } = await openPage(browser, link, DESKTOP);
  await page.goto(`${env.base}/accounts`);
  check((await page.locator('#accountlist > li').count()) === 40, 'the clients page lists 40 clients');
  check((await page.locator('#accountlist li:has-text("Acme Bakery Ltd")').textContent())
    .includes('1 open chat'), 'Acme shows its open chats');
  await page.fill('#aq', 'birch');
  check((await page.locator('#accountlist > li:visible').count()) === 1,
    'typing filters the clients in the page');
  await shootWidths(page, 'search-clients', (w) => `the clients page fits at ${w}px`);
  await page.fill('#aq', '');
  await Promise.all([page.waitForNavigation(), page.click('#accountlist li:has-text("Birch") a')]);
  check(page.url().includes(`account=${ids.birch}`), 'a client leads to its chats');
  noErrors(errors, 'no script or CSP errors on the clients page');
  await context.close();
}

async function pickerWithScript(browser, env) {
  const { ctl, ids } = env;
  const link = ctl('link', ids.thread, '--for', `staff:${ids.owner}`);
  const { context, page, errors } = await openPage(browser, link, DESKTOP);
  await page.goto(`${env.base}/`);
  await page.click('details.newchat summary');
  check(!(await page.isVisible('button[name=pick_go]')), 'with script the filter needs no button');
  await page.fill('#pick', 'holding');
  const shown = await page.locator('#picker .accounts label:visible').count();
  check(shown === 38, `typing narrows the clients (${shown} shown)`);
  await page.click('button[name=pick_all]');
  const ticked = await page.locator('#picker .accounts input:checked').count();
  check(ticked === 38, `"Select all shown" ticks the 38 shown (${ticked})`);
  check((await page.locator('.pickcount').textContent()).includes('38 selected'),
    'the count says how many are selected');
  await page.fill('#pick', 'acme');
  check((await page.locator('#picker .accounts input:checked').count()) === 38,
    'ticked clients stay ticked when hidden');
  await shootWidths(page, 'search-picker', (w) => `the picker fits at ${w}px`, 1400);
  noErrors(errors, 'no script or CSP errors in the picker');
  await context.close();
}

async function pickerWithoutScript(browser, env) {
  const { ctl, ids } = env;
  const link = ctl('link', ids.thread, '--for', `staff:${ids.owner}`);
  const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(link);
  await page.goto(`${env.base}/`);
  await page.click('details.newchat summary');
  await page.fill('input[name=subject]', 'Documents for 2026');
  await page.fill('textarea[name=body]', 'Please upload your documents.');
  await page.fill('#pick', 'birch');
  await Promise.all([page.waitForNavigation(), page.click('button[name=pick_go]')]);
  check((await page.locator('#picker .accounts label:visible').count()) === 1,
    'without script the server narrows the clients');
  check((await page.inputValue('input[name=subject]')) === 'Documents for 2026',
    'the subject typed is kept');
  await page.fill('#pick', 'holding');
  await Promise.all([page.waitForNavigation(), page.click('button[name=pick_all]')]);
  check((await page.locator('#picker .accounts input:checked').count()) === 38,
    '"Select all shown" ticks them through the server');
  await shootWidths(page, 'search-picker-noscript', (w) => `the picker without script fits at ${w}px`,
    1400);
  const before = JSON.parse(ctl('--json', 'thread', 'list')).length;
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Create chat")')]);
  const after = JSON.parse(ctl('--json', 'thread', 'list')).length;
  check(after === before + 38, `one chat per ticked client (${after - before})`);
  await context.close();
}

run({ tmp: 'gw-browser-search-', seed }, async (browser, env) => {
  await ownerSearches(browser, env);
  await memberSearches(browser, env);
  await accountsPage(browser, env);
  await pickerWithScript(browser, env);
  await pickerWithoutScript(browser, env);
});
