/*
 * inbox.cjs - the staff inbox and "view as client" in headless Chromium
 * (playwright-core), against the real gatewayd.
 *
 * A member has the home page open; the client posts a reply in another
 * browser context.  Without a reload the member's header count goes from
 * 0 to 1, the polite live region says so, and the focus stays where it
 * was (on the firm's name link).  The inbox lists the reply; opening it goes to the message and
 * the count drops.  From the thread's staff box the member views the chat
 * as the client sees it: the banner, no form and no button in the page,
 * no internal note; the client's read mark and sessions are unchanged and
 * the audit log holds the member's view_as, nothing as the client.
 * Pages are checked at 1280 and 390 pixels and screenshots saved into
 * SCREENSHOT_DIR.  Any script or CSP error fails the test.
 */
'use strict';

const { execFileSync } = require('child_process');
const path = require('path');
const { DESKTOP, PHONE, check, noErrors, openPage, run, seedFirm, shootWidths } =
  require('./lib.cjs');

function seed(env) {
  const { ctl } = env;
  const ids = seedFirm(ctl);
  ids.anna = ctl('contact', 'add', ids.acme, 'Anna Baker', 'anna@acme.example');
  ids.vera = ctl('staff', 'add', 'Vera Viewer', 'vera@firm.example', '--role', 'member');
  ids.thread = ctl('thread', 'new', ids.acme, '--from', ids.member,
    '--subject', 'Year-end accounts 2026', '--body', 'Please send the bank statements.');
  ctl('message', 'post', ids.thread, '--from', `staff:${ids.member}`, '--internal',
    '--body', 'Anna prefers a phone call');
  return ids;
}

/* One number from the daemon's database (python3's sqlite3, read only). */
function dbInt(env, sql) {
  const db = path.join(env.dir, 'gatewayd.db');
  return Number(execFileSync('python3', ['-c',
    'import sqlite3, sys; d = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True);' +
    ' print(d.execute(sys.argv[2]).fetchone()[0])', db, sql]).toString().trim());
}

async function shots(page, name) {
  await shootWidths(page, name, (width) =>
    (width === 1280 ? `${name}: fits 1280px` : `${name}: fits 390px without sideways scrolling`), 900);
}

async function flow(browser, env) {
  const { ctl, ids, base } = env;

  // The member on the home page, focus in the new-chat subject field.
  const { context: staffCtx, page: staff, errors } = await openPage(browser,
    ctl('link', ids.thread, '--for', `staff:${ids.member}`), DESKTOP);
  await staff.goto(`${base}/`);
  check((await staff.textContent('#inboxcount')) === '0', 'header: inbox count 0 at first');
  check((await staff.getAttribute('#inboxlive', 'aria-live')) === 'polite', 'header: a polite live region');
  await staff.evaluate(() => { window.stayed = true; });
  const focusSel = 'a.brand';
  await staff.focus(focusSel);
  check(await staff.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) { return false; }
    el.setAttribute('data-focus-mark', '1');
    return true;
  }), `focus placed on ${focusSel}`);

  // The client answers in another browser.
  const { context: clientCtx, page: client } = await openPage(browser,
    ctl('link', ids.thread, '--for', `contact:${ids.anna}`), PHONE, { errors });
  await client.fill('#body', 'Here are the statements.');
  await Promise.all([client.waitForURL(/\/t\/\d+#reply$/), client.click('#replyform button.primary')]);

  await staff.waitForFunction(() => document.getElementById('inboxcount').textContent === '1',
    null, { timeout: 15000 });
  check(true, 'header: the count became 1 without a reload');
  check(await staff.evaluate(() => window.stayed === true), 'the page was not reloaded');
  check(/1 unread item in your inbox/.test(await staff.textContent('#inboxlive')),
    'the live region says "1 unread item in your inbox"');
  check(await staff.evaluate(() => document.activeElement &&
    document.activeElement.getAttribute('data-focus-mark') === '1'), 'the focus stayed where it was');
  await shots(staff, 'inbox-header');

  // The inbox, then the item: to the message, read.
  await staff.click('.inboxlink');
  await staff.waitForURL(/\/inbox$/);
  const item = staff.locator('ul.inboxlist li.unread').first();
  check(/Anna Baker replied/.test(await item.textContent()), 'inbox: "Anna Baker replied"');
  check(/Year-end accounts 2026/.test(await item.textContent()), 'inbox: the thread named');
  await shots(staff, 'inbox-list');
  await Promise.all([staff.waitForURL(/\/t\/\d+#m\d+$/), item.locator('button').click()]);
  check((await staff.textContent('#inboxcount')) === '0', 'opened: the count is 0');
  check(await staff.isVisible('text=Here are the statements.'), 'opened: at the reply');

  // View as client, from the staff box.
  const sessions = dbInt(env, 'SELECT count(*) FROM sessions');
  const marks = dbInt(env, `SELECT coalesce(sum(last_read_message_id), 0) FROM read_marks WHERE reader_kind = 'contact'`);
  await staff.selectOption('#ascontact', String(ids.anna));
  await Promise.all([staff.waitForURL(/\/as-client\?contact=\d+$/),
    staff.click('form.asclientpick button')]);
  check(/You are viewing this chat as Anna Baker sees it/.test(await staff.textContent('.asclient')),
    'view as client: the banner names the client');
  check((await staff.locator('main form').count()) === 0, 'view as client: no form in the page');
  check((await staff.locator('main button').count()) === 0, 'view as client: no button that acts');
  check((await staff.locator('main textarea, main input, main select').count()) === 0,
    'view as client: nothing to type into');
  const text = await staff.textContent('main');
  check(!text.includes('Anna prefers a phone call'), 'view as client: no internal note');
  check(text.includes('Here are the statements.') && text.includes('Please send the bank statements.'),
    'view as client: the client\'s messages');
  await shots(staff, 'inbox-as-client');
  await staff.waitForTimeout(1500);
  check(dbInt(env, 'SELECT count(*) FROM sessions') === sessions, 'view as client: no session created');
  check(dbInt(env, `SELECT coalesce(sum(last_read_message_id), 0) FROM read_marks WHERE reader_kind = 'contact'`) === marks,
    'view as client: the client\'s read state is unchanged');
  const audit = JSON.parse(ctl('--json', 'audit', '--limit', '1000')).audit;
  check(audit.some((a) => a.action === 'view_as' && a.actor_kind === 'staff' && a.target === `contact ${ids.anna}`),
    'audit: the member\'s view_as is recorded');
  check(!audit.some((a) => a.actor_kind === 'contact'), 'audit: nothing as the client');

  // An owner lets a member view all accounts on the staff page.
  const { context: ownerCtx, page: owner } = await openPage(browser,
    ctl('link', ids.thread, '--for', `staff:${ids.owner}`), DESKTOP, { errors });
  await owner.goto(`${base}/`);
  await Promise.all([owner.waitForURL(/\/staff$/), owner.click('a[href="/staff"]')]);
  const row = owner.locator('li.staffrow', { hasText: 'Vera Viewer' });
  await shots(owner, 'inbox-staff');
  await Promise.all([owner.waitForLoadState('load'),
    row.locator('button', { hasText: 'Allow view all accounts' }).click()]);
  await owner.waitForSelector('p.ok');
  check(/Vera Viewer may now view all accounts/.test(await owner.textContent('p.ok')),
    'staff page: the change is confirmed');
  check(JSON.parse(ctl('--json', 'staff', 'list')).some((p) => p.name === 'Vera Viewer' && p.view_all),
    'staff page: the right is stored');
  const { context: veraCtx, page: vera } = await openPage(browser,
    ctl('link', ids.thread, '--for', `staff:${ids.vera}`), PHONE, { errors });
  check(/Year-end accounts 2026/.test(await vera.textContent('h1')),
    'the member with the right opens a chat of an account not assigned to them');
  await veraCtx.close();
  await ownerCtx.close();

  noErrors(errors, 'no script or CSP errors');
  await clientCtx.close();
  await staffCtx.close();
}

run({ tmp: 'gw-browser-inbox-', seed, cleanStop: true }, flow);
