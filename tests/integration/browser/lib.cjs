/*
 * lib.cjs - what every browser scenario in this folder needs around it:
 * a temporary gatewayd (config, gatewayctl, the daemon on a free port),
 * Debian's headless Chromium through playwright-core, the ok/not ok
 * lines with their count, page checks (script and CSP errors, widths,
 * screenshots) and the mail the Maildir transport delivered.
 *
 * A scenario calls run() with how to seed its database and what to do
 * in the browser; run() starts everything, stops it again, prints the
 * count and sets the exit status.
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

/* One check that ERRORS is empty, listing them when it is not. */
function noErrors(errors, what) {
  check(errors.length === 0, `${what}${errors.length ? ': ' + errors.join(' | ') : ''}`);
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

/* gatewayd.conf in DIR (relative paths are resolved against it), with a
 * Maildir transport; OPTS.fromName and OPTS.apiPort add those keys,
 * OPTS.extra more lines (whole sections, e.g. [firm]). */
function writeConf(dir, port, opts) {
  const conf = path.join(dir, 'gatewayd.conf');
  fs.writeFileSync(conf, [
    '[store]', 'path = gatewayd.db', 'attachments_dir = attachments',
    '[mail]', 'transport = maildir:Maildir', 'from = chat@firm.example',
    ...(opts.fromName ? [`from_name = ${opts.fromName}`] : []),
    'reply_domain = reply.firm.example',
    '[links]', 'key_file = keys',
    '[web]', `listen = 127.0.0.1:${port}`, `base_url = http://127.0.0.1:${port}`,
    ...(opts.apiPort ? ['[api]', `listen = 127.0.0.1:${opts.apiPort}`] : []),
    '[log]', 'level = info', ...(opts.extra || []), ''].join('\n'));
  return conf;
}

/* gatewayctl on CONF: its output, trimmed. */
function gatewayctl(conf) {
  return (...args) => execFileSync(GATEWAYCTL, ['-c', conf, ...args],
    { encoding: 'utf8' }).trim();
}

/* The firm most scenarios start from: an owner, a member and the
 * account Acme Bakery Ltd the member is assigned to. */
function seedFirm(ctl) {
  const ids = {};
  ids.owner = ctl('staff', 'add', 'Olivia Owner', 'olivia@firm.example', '--role', 'owner');
  ids.member = ctl('staff', 'add', 'Max Member', 'max@firm.example', '--role', 'member');
  ids.acme = ctl('account', 'add', 'Acme Bakery Ltd');
  ctl('staff', 'assign', ids.member, ids.acme);
  return ids;
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

/* SIGTERM, then its exit code or signal ('timeout' after 10 seconds). */
async function stopDaemon(daemon) {
  daemon.removeAllListeners('exit');
  const exited = new Promise((r) => {
    daemon.on('exit', (code, signal) => r(signal ? signal : code));
    setTimeout(() => r('timeout'), 10000);
  });
  daemon.kill('SIGTERM');
  return exited;
}

function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/* Collect PAGE's script and CSP errors into ERRORS; console errors that
 * match IGNORE (answers the test asks for) are left out. */
function watchErrors(page, errors, ignore) {
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !(ignore && ignore.test(msg.text()))) { errors.push(msg.text()); }
  });
  page.on('pageerror', (e) => errors.push(String(e)));
}

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

/* A new browser context at VIEWPORT (OPTS.userAgent as its browser) with
 * one page whose script and CSP errors are collected into OPTS.errors or
 * a new list (OPTS.ignore as in watchErrors); LINK, when given, opened. */
async function openPage(browser, link, viewport, opts = {}) {
  const context = await browser.newContext({ viewport,
    ...(opts.userAgent ? { userAgent: opts.userAgent } : {}) });
  const page = await context.newPage();
  const errors = opts.errors || [];
  watchErrors(page, errors, opts.ignore);
  if (link) { await page.goto(link); }
  return { context, page, errors };
}

/* No sideways scrolling: nothing wider than WIDTH (default the window). */
async function fitsWidth(page, width) {
  return page.evaluate((w) => document.documentElement.scrollWidth <= (w || window.innerWidth),
    width);
}

/* LOCATOR on screen and no horizontal scrolling at 1280 and 390 pixels
 * (844 high), SLACK pixels of rounding allowed at the right edge. */
async function fitsAt(page, locator, what, slack = 0) {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 844 });
    const box = await locator.boundingBox();
    const overflow = await page.evaluate(() =>
      document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth);
    check(box && box.x >= 0 && box.x + box.width <= width + slack, `${what} fits at ${width}px`);
    check(overflow <= 0, `no horizontal scrolling at ${width}px (overflow ${overflow}px)`);
  }
}

/* TARGET (a page or a locator) photographed into SCREENSHOT_DIR/FILE. */
async function shot(target, file, opts = {}) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await target.screenshot({ ...opts, path: path.join(SHOTS, file) });
}

/* Full-page NAME-desktop.png at 1280px (DESKTOPHEIGHT high) and
 * NAME-phone.png at 390px, each checked to fit with the message
 * FITS(width); the viewport is put back afterwards. */
async function shootWidths(page, name, fits, desktopHeight = 844) {
  const was = page.viewportSize();
  for (const [label, width, height] of [['desktop', 1280, desktopHeight], ['phone', 390, 844]]) {
    await page.setViewportSize({ width, height });
    check(await fitsWidth(page), fits(width));
    await shot(page, `${name}-${label}.png`, { fullPage: true });
  }
  await page.setViewportSize(was);
}

/* Every email in DIR's Maildir (new and cur), as text. */
function mails(dir) {
  const out = [];
  for (const sub of ['new', 'cur']) {
    const d = path.join(dir, 'Maildir', sub);
    if (fs.existsSync(d)) { for (const f of fs.readdirSync(d)) { out.push(fs.readFileSync(path.join(d, f), 'utf8')); } }
  }
  return out;
}

/* Wait (TRIES times 100 ms) for an email in DIR's Maildir/new for which
 * MATCH(text) is not null, and return that; files in SEEN are skipped
 * and the one found is added to it. */
async function waitMail(dir, match, tries = 100, seen = new Set()) {
  const box = path.join(dir, 'Maildir', 'new');
  for (let i = 0; i < tries; i++) {
    const files = fs.existsSync(box) ? fs.readdirSync(box).filter((f) => !seen.has(f)) : [];
    for (const f of files) {
      const found = match(fs.readFileSync(path.join(box, f), 'utf8'));
      if (found !== null) {
        seen.add(f);
        return found;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

/*
 * Run a scenario: a temporary directory (prefix OPTS.tmp), gatewayd.conf
 * (OPTS.fromName, OPTS.api for a JSON API port, OPTS.conf more lines),
 * `gatewayctl init` and
 * the firm's name (OPTS.firm: more `firm set` arguments); OPTS.seed(env)
 * returns the ids it created and OPTS.before(env) runs before the daemon
 * starts.  Then gatewayd and Chromium, SCENARIO(browser, env), and both
 * stopped again; OPTS.cleanStop checks gatewayd exits 0 on SIGTERM.
 * env holds dir, port, base (the web view's URL), apiPort, conf, ctl and
 * ids.  Exits 0 when every check passed.
 */
async function main(opts, scenario) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), opts.tmp));
  const port = await freePort();
  const apiPort = opts.api ? await freePort() : undefined;
  const conf = writeConf(dir, port, { fromName: opts.fromName, apiPort, extra: opts.conf });
  const ctl = gatewayctl(conf);
  ctl('init');
  ctl('firm', 'set', '--name', 'Example & Partners', ...(opts.firm || []));
  const env = { dir, port, base: `http://127.0.0.1:${port}`, apiPort, conf, ctl, ids: {} };
  env.ids = opts.seed(env);
  if (opts.before) { opts.before(env); }
  const daemon = await startDaemon(conf, dir);
  let browser;
  try {
    browser = await launch();
    await scenario(browser, env);
  } finally {
    if (browser) { await browser.close(); }
    const status = await stopDaemon(daemon);
    if (opts.cleanStop) {
      check(status === 0, `gatewayd stops cleanly on SIGTERM (status ${status})`);
      if (status !== 0) { console.log(daemon.log); }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`screenshots in ${SHOTS}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

function run(opts, scenario) {
  main(opts, scenario).catch((e) => {
    console.error(e);
    console.log(`${passed} passed, ${failed + 1} failed`);
    process.exit(1);
  });
}

module.exports = {
  check, noErrors, watchErrors, openPage, fitsWidth, fitsAt, shot, shootWidths, mails, waitMail,
  seedFirm, run, DESKTOP, PHONE,
};
