/*
 * audit.cjs - the owners' audit log page and the legal hold in headless
 * Chromium (playwright-core), against the real gatewayd.
 *
 * An owner opens a thread (a view, recorded by the store pool's writer
 * within a second), puts the account on legal hold from the thread's staff
 * box, and reads /audit: the entries are there, newest first, with "Older
 * entries" once there are more than a page.  The page is checked at
 * desktop (1280px) and phone (390px) widths - nothing wider than the
 * screen - and screenshots saved into SCREENSHOT_DIR.  Any script or
 * Content-Security-Policy error fails the test.
 */
'use strict';

const { DESKTOP, check, fitsWidth, noErrors, openPage, run, seedFirm, shot } = require('./lib.cjs');

function seed(env) {
  const { ctl } = env;
  const ids = seedFirm(ctl);
  ctl('contact', 'add', ids.acme, 'Anna Baker', 'anna@acme.example');
  ids.thread = ctl('thread', 'new', ids.acme, '--from', ids.member,
    '--subject', 'Year-end accounts 2026', '--body', 'Please send the bank statements.');
  // enough entries for a second page (50 a page): gatewayctl's own
  for (let i = 0; i < 30; i++) {
    ctl('thread', 'show', ids.thread);
    ctl('thread', 'resend', ids.thread);
  }
  return ids;
}

async function auditFlow(browser, env) {
  const { ctl, ids } = env;
  const link = ctl('link', ids.thread, '--for', `staff:${ids.owner}`);
  const origin = new URL(link).origin;
  const { context, page, errors } = await openPage(browser, link, DESKTOP);

  check(await page.isVisible('.hold:has-text("Off")'), 'thread staff box shows the hold is off');
  await Promise.all([page.waitForURL(/\/t\/\d+$/), page.click('button:has-text("Put on legal hold")')]);
  check(await page.isVisible('.tag.held'), 'after the button: "On hold" shown');
  const shown = JSON.parse(ctl('--json', 'account', 'hold', ids.acme));
  check(shown.legal_hold === true, 'gatewayctl sees the hold set in the browser');

  // the view of the thread is appended within a second
  await page.waitForTimeout(1500);
  await page.goto(`${origin}/`);
  check(await page.isVisible('a.auditlink'), 'the owner\'s home links to the audit log');
  await page.click('a.auditlink');
  check(new URL(page.url()).pathname === '/audit', 'audit page opened');
  check(await page.isVisible('table.auditlog'), 'audit table shown');
  // the hold, the view of the page the button returned to (appended by
  // the writer up to a second later) and gatewayctl's look at the hold,
  // in the order they were recorded
  const rows = await page.$$eval('table.auditlog tbody tr', (trs) => trs.slice(0, 3).map((t) => t.textContent));
  check(rows.some((t) => /view/.test(t) && /Olivia Owner/.test(t)),
    `the owner's view of the thread is among the newest entries (${rows.join(' / ')})`);
  check(await page.isVisible('tr:has-text("hold"):has-text("Olivia Owner"):has-text("account 1 hold on")'),
    'the hold by the owner is listed');
  check(await page.isVisible('td:has-text("view")'), 'the staff view is listed');
  check(await page.isVisible('a[rel=next]'), '"Older entries" link shown');
  check(await fitsWidth(page, 1280), 'desktop: nothing wider than the window');
  await shot(page, 'audit-desktop.png', { fullPage: true });
  await shot(page, 'audit-desktop-top.png');
  await page.setViewportSize({ width: 390, height: 844 });
  check(await fitsWidth(page, 390), 'phone (390px): nothing wider than the screen');
  check(!(await page.isVisible('table.auditlog thead')), 'phone: entries as cards, no table head');
  await shot(page, 'audit-phone.png', { fullPage: true });
  await shot(page, 'audit-phone-top.png');
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.click('a[rel=next]');
  check(/before=\d+/.test(page.url()), 'the second page is addressed by entry id');
  check(await page.isVisible('table.auditlog tbody tr'), 'the second page has entries');

  // an account filter
  await page.goto(`${origin}/audit`);
  await page.fill('input[name=account]', ids.acme);
  await Promise.all([page.waitForURL(/account=/), page.click('form.auditfilter button')]);
  check(await page.isVisible('table.auditlog'), 'filtered by account');

  // members may not read it
  const mlink = ctl('link', ids.thread, '--for', `staff:${ids.member}`);
  const mctx = await browser.newContext();
  const mpage = await mctx.newPage();
  await mpage.goto(mlink);
  const resp = await mpage.goto(`${origin}/audit`);
  check(resp.status() === 404, 'a member gets 404 for /audit');
  check(!(await mpage.isVisible('a.auditlink')), 'no audit link for a member');
  await mctx.close();

  noErrors(errors, 'no script or CSP errors');
  await context.close();
}

run({ tmp: 'gw-browser-audit-', seed, cleanStop: true }, auditFlow);
