/*
 * people.cjs - who gets this, in headless Chromium driven by
 * playwright-core: the staff thread page's people list and the "Nobody
 * will be emailed" warning above the reply form.
 *
 * Seeds a database with gatewayctl (one contact who unsubscribes, one
 * with a long address whose notifications staff turn off, both through
 * the real pages and links), starts gatewayd and checks, at desktop
 * (1280px) and phone (390px) widths without horizontal scrolling: the
 * list shows each contact's state and the staff told; once nobody will be
 * emailed the warning names both, above the reply form; a resend says
 * the same; following and unfollowing works without script; the client
 * turns emails back on from their home page and the warning goes.  The
 * client never sees the list or the warning.  Screenshots go to
 * SCREENSHOT_DIR.  Any script or CSP error fails the test.
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

const BEN = 'Ben Flour-Longname-Wholesale';
const BEN_MAIL = 'ben.flour-longname-wholesale@accounts.acme-bakery-group.example';
const NOBODY = `Nobody will be emailed: Anna Baker unsubscribed, ${BEN} has notifications off`;

function setup(dir, port) {
  const conf = path.join(dir, 'gatewayd.conf');
  fs.writeFileSync(conf, [
    '[store]', `path = ${path.join(dir, 'gatewayd.db')}`,
    `attachments_dir = ${path.join(dir, 'attachments')}`,
    '[mail]', `transport = maildir:${path.join(dir, 'Maildir')}`, 'from = chat@firm.example',
    'reply_domain = reply.firm.example',
    '[links]', `key_file = ${path.join(dir, 'keys')}`,
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
  ids.anna = ctl('contact', 'add', ids.acme, 'Anna Baker', 'anna@acme.example');
  ids.ben = ctl('contact', 'add', ids.acme, BEN, BEN_MAIL);
  ids.thread = ctl('thread', 'new', ids.acme, '--from', ids.member,
    '--subject', 'Year-end accounts 2026',
    '--body', 'Hello Anna, please send us the bank statements for December.');
  return { conf, ctl, ids, dir };
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

function watchErrors(page, errors) {
  page.on('console', (msg) => {
    if (msg.type() === 'error') { errors.push(msg.text()); }
  });
  page.on('pageerror', (e) => errors.push(String(e)));
}

async function fits(page, locator, what) {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 844 });
    const box = await locator.boundingBox();
    const overflow = await page.evaluate(() =>
      document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth);
    check(box && box.x >= 0 && box.x + box.width <= width + 0.5, `${what} fits at ${width}px`);
    check(overflow <= 0, `no horizontal scrolling at ${width}px (overflow ${overflow}px)`);
  }
}

async function shoot(page, name, width) {
  await page.setViewportSize({ width, height: 844 });
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
}

/* The List-Unsubscribe URL of the email the relay delivered to ADDRESS. */
async function unsubscribeLink(dir, address) {
  const box = path.join(dir, 'Maildir', 'new');
  for (let i = 0; i < 100; i++) {
    const files = fs.existsSync(box) ? fs.readdirSync(box) : [];
    for (const f of files) {
      const text = fs.readFileSync(path.join(box, f), 'utf8');
      const head = text.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
      const to = /^To:.*$/mi.exec(head);
      const lu = /^List-Unsubscribe:\s*<([^>]+)>/mi.exec(head);
      if (to && to[0].includes(address) && lu) { return lu[1]; }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

/* Anna unsubscribes with the link of her email, as she would. */
async function annaUnsubscribes(browser, env) {
  const { ctl, ids } = env;
  const rows = JSON.parse(ctl('outbox', 'list', '--json', '--thread', ids.thread));
  check(rows.some((r) => r.kind === 'new_message' && String(r.recipient_id) === ids.anna),
    'Anna was emailed about the new chat');
  const link = await unsubscribeLink(env.dir, 'anna@acme.example');
  check(link !== null, 'the email to Anna carries a List-Unsubscribe link');
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(link);
  await page.click('button:has-text("Unsubscribe")');
  check(await page.isVisible('text=You are unsubscribed'), 'Anna unsubscribed with her link');
  check(await page.isVisible('text=Changed your mind?'), 'and is told where to turn emails on again');
  await context.close();
}

async function staffView(browser, env) {
  const { ctl, ids } = env;
  const link = ctl('link', ids.thread, '--for', `staff:${ids.member}`);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  watchErrors(page, errors);
  await page.goto(link);

  const people = page.locator('#people');
  check(await people.isVisible(), 'the staff box lists who gets this');
  const ben = page.locator(`#people ul.contacts li:has-text("${BEN}")`);
  check((await ben.locator('.tag.ok').textContent()).trim() === 'emailed', 'Ben is emailed');
  const anna = page.locator('#people ul.contacts li:has-text("Anna Baker")');
  check((await anna.locator('.tag.off').textContent()).startsWith('unsubscribed since'),
    'Anna reads "unsubscribed since ..."');
  const me = page.locator('#people ul.staff li:has-text("Max Member")');
  check((await me.locator('.why').textContent()).trim() === 'assigned, following',
    'Max is assigned and follows the chat he started');
  check(!(await page.isVisible('#nobody')), 'no warning while Ben is emailed');

  // Staff turn Ben's notifications off from the list (no script needed).
  await ben.locator('button:has-text("Turn notifications off")').click();
  await page.waitForLoadState('load');
  const warn = page.locator('#nobody');
  check(await warn.isVisible(), 'the warning shows once nobody will be emailed');
  check((await warn.textContent()).trim() === `${NOBODY}.`, `it reads "${NOBODY}."`);
  const warnBox = await warn.boundingBox();
  const formBox = await page.locator('#replyform').boundingBox();
  check(warnBox && formBox && warnBox.y + warnBox.height <= formBox.y, 'above the reply form');
  check((await ben.locator('.tag.off').textContent()).startsWith('notifications off since'),
    'Ben reads "notifications off since ..."');
  await fits(page, warn, 'the warning');
  await fits(page, ben, 'Ben\'s line with the long address');
  await shoot(page, 'people-nobody-desktop.png', 1280);
  await shoot(page, 'people-nobody-phone.png', 390);
  await warn.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'people-warning-phone-viewport.png') });
  await people.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'people-list-phone-viewport.png') });

  // A resend says the same.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.click('button:has-text("Resend notification")');
  await page.waitForLoadState('load');
  check(await page.isVisible(`.error:has-text("Nothing was resent. ${NOBODY}.")`),
    'the resend says nothing was resent, and why');

  // Follow and unfollow.
  await page.click('#people button:has-text("Unfollow")');
  await page.waitForLoadState('load');
  check((await me.locator('.why').textContent()).trim() === 'assigned', 'Max unfollowed');
  await page.click('#people button:has-text("Follow")');
  await page.waitForLoadState('load');
  check((await me.locator('.why').textContent()).trim() === 'assigned, following',
    'Max follows again');
  check(errors.length === 0, `no script or CSP errors on the staff page${errors.length ? ': ' + errors.join(' | ') : ''}`);
  await context.close();
  return link;
}

async function clientView(browser, env) {
  const { ctl, ids } = env;
  const link = ctl('link', ids.thread, '--for', `contact:${ids.anna}`);
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const errors = [];
  watchErrors(page, errors);
  await page.goto(link);
  check(!(await page.isVisible('#nobody')), 'the client does not see the warning');
  check(!(await page.isVisible('#people')), 'the client does not see the people list');
  await page.goto(new URL('/', page.url()).toString());
  check(await page.isVisible('text=You unsubscribed from our emails'),
    'Anna\'s home page says she unsubscribed');
  await page.screenshot({ path: path.join(SHOTS, 'people-client-home-phone.png'), fullPage: true });
  await page.click('button:has-text("Turn emails on")');
  await page.waitForLoadState('load');
  check(!(await page.isVisible('text=You unsubscribed from our emails')), 'her emails are on again');
  check(errors.length === 0, `no script or CSP errors on the client page${errors.length ? ': ' + errors.join(' | ') : ''}`);
  await context.close();
}

async function warningGone(browser, staffLink) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(staffLink);
  check(!(await page.isVisible('#nobody')), 'the warning is gone once Anna is emailed again');
  check((await page.locator('#people ul.contacts li:has-text("Anna Baker") .tag.ok').textContent())
    .trim() === 'emailed', 'Anna is emailed');
  await context.close();
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-browser-people-'));
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
    await annaUnsubscribes(browser, env);
    const staffLink = await staffView(browser, env);
    await clientView(browser, env);
    await warningGone(browser, staffLink);
    const people = JSON.parse(env.ctl('--json', 'thread', 'people', env.ids.thread));
    check(people.nobody_emailed === null, 'gatewayctl agrees: someone is emailed');
  } finally {
    if (browser) { await browser.close(); }
    daemon.removeAllListeners('exit');
    const exited = new Promise((r) => {
      daemon.on('exit', (code, signal) => r(signal ? signal : code));
      setTimeout(() => r('timeout'), 10000);
    });
    daemon.kill('SIGTERM');
    await exited;
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
