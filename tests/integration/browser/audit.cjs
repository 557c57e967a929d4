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

const { execFileSync, spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const { chromium } = require(process.env.PLAYWRIGHT_CORE);

const GATEWAYD = process.env.GATEWAYD;
const GATEWAYCTL = process.env.GATEWAYCTL;
const SHOTS = process.env.SCREENSHOT_DIR;

let passed = 0;
let failed = 0;

function check(cond, what) {
  if (cond) {
    passed++;
    console.log(`ok - ${what}`);
  } else {
    failed++;
    console.log(`not ok - ${what}`);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function setup(dir, port) {
  const conf = path.join(dir, 'gatewayd.conf');
  fs.writeFileSync(conf, [
    '[store]', 'path = gatewayd.db', 'attachments_dir = attachments',
    '[mail]', 'transport = maildir:Maildir', 'from = chat@firm.example',
    'reply_domain = reply.firm.example',
    '[links]', 'key_file = keys',
    '[web]', `listen = 127.0.0.1:${port}`, `base_url = http://127.0.0.1:${port}`,
    '[log]', 'level = info', ''].join('\n'));
  const ctl = (...args) => execFileSync(GATEWAYCTL, ['-c', conf, ...args],
    { encoding: 'utf8' }).trim();
  ctl('init');
  ctl('firm', 'set', '--name', 'Example & Partners');
  const ids = {};
  ids.owner = ctl('staff', 'add', 'Olivia Owner', 'olivia@firm.example', '--role', 'owner');
  ids.member = ctl('staff', 'add', 'Max Member', 'max@firm.example', '--role', 'member');
  ids.acme = ctl('account', 'add', 'Acme Bakery Ltd');
  ctl('staff', 'assign', ids.member, ids.acme);
  ctl('contact', 'add', ids.acme, 'Anna Baker', 'anna@acme.example');
  ids.thread = ctl('thread', 'new', ids.acme, '--from', ids.member,
    '--subject', 'Year-end accounts 2026', '--body', 'Please send the bank statements.');
  // enough entries for a second page (50 a page): gatewayctl's own
  for (let i = 0; i < 30; i++) {
    ctl('thread', 'show', ids.thread);
    ctl('thread', 'resend', ids.thread);
  }
  return { conf, ctl, ids };
}

function startDaemon(conf, dir) {
  return new Promise((resolve, reject) => {
    const d = spawn(GATEWAYD, ['-c', conf, '--foreground'], { cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'] });
    d.log = '';
    const timer = setTimeout(() => reject(new Error(`gatewayd did not start:\n${d.log}`)), 15000);
    const onData = (b) => {
      d.log += b.toString();
      if (/web view on/.test(d.log)) {
        clearTimeout(timer);
        resolve(d);
      }
    };
    d.stdout.on('data', onData);
    d.stderr.on('data', onData);
    d.on('exit', (code) => { clearTimeout(timer); reject(new Error(`gatewayd exited ${code}:\n${d.log}`)); });
  });
}

async function noWiderThan(page, width) {
  return page.evaluate((w) => document.documentElement.scrollWidth <= w, width);
}

async function auditFlow(browser, env) {
  const { ctl, ids } = env;
  const link = ctl('link', ids.thread, '--for', `staff:${ids.owner}`);
  const origin = new URL(link).origin;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') { errors.push(msg.text()); } });
  page.on('pageerror', (e) => errors.push(String(e)));

  await page.goto(link);
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
  check(await noWiderThan(page, 1280), 'desktop: nothing wider than the window');
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, 'audit-desktop.png'), fullPage: true });
  await page.screenshot({ path: path.join(SHOTS, 'audit-desktop-top.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  check(await noWiderThan(page, 390), 'phone (390px): nothing wider than the screen');
  check(!(await page.isVisible('table.auditlog thead')), 'phone: entries as cards, no table head');
  await page.screenshot({ path: path.join(SHOTS, 'audit-phone.png'), fullPage: true });
  await page.screenshot({ path: path.join(SHOTS, 'audit-phone-top.png') });
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

  check(errors.length === 0, `no script or CSP errors${errors.length ? ': ' + errors.join(' | ') : ''}`);
  await context.close();
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-browser-audit-'));
  const port = await freePort();
  const env = setup(dir, port);
  const daemon = await startDaemon(env.conf, dir);
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    await auditFlow(browser, env);
  } finally {
    if (browser) { await browser.close(); }
    daemon.removeAllListeners('exit');
    const exited = new Promise((r) => {
      daemon.on('exit', (code, signal) => r(signal ? signal : code));
      setTimeout(() => r('timeout'), 10000);
    });
    daemon.kill('SIGTERM');
    const status = await exited;
    check(status === 0, `gatewayd stops cleanly on SIGTERM (status ${status})`);
    if (status !== 0) { console.log(daemon.log); }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`screenshots in ${SHOTS}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
