/*
 * lib.cjs - what every browser scenario in this folder needs around it:
 * a temporary gatewayd (config, gatewayctl, the daemon on a free port),
 * Debian's headless Chromium through playwright-core, the ok/not ok
 * lines with their count, page checks (script and CSP errors, widths,
 * screenshots, accessibility: axe-core's WCAG 2.1 AA rules, visible focus,
 * 200% zoom) and the mail the Maildir transport delivered.
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
const AXE_SOURCE = process.env.AXE_CORE ? fs.readFileSync(process.env.AXE_CORE, 'utf8') : null;

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
 * OPTS.batchWindow sets [mail] batch_window (default 0: every email at once),
 * OPTS.showContent [mail] show_content and OPTS.extra more lines (whole
 * sections, e.g. [firm]). */
function writeConf(dir, port, opts) {
  const conf = path.join(dir, 'gatewayd.conf');
  fs.writeFileSync(conf, [
    '[store]', 'path = gatewayd.db', 'attachments_dir = attachments',
    '[mail]', 'transport = maildir:Maildir', 'from = chat@firm.example',
    ...(opts.fromName ? [`from_name = ${opts.fromName}`] : []),
    'reply_domain = reply.firm.example',
    /* scenarios that count emails set the window; others get each at once */
    `batch_window = ${opts.batchWindow || '0'}`,
    ...(opts.showContent ? [`show_content = ${opts.showContent}`] : []),
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

/*
 * axe-core's WCAG 2.0/2.1 A and AA rules on PAGE as it is now: a list of
 * "rule: element(s)" strings, empty when nothing is violated.  The source
 * goes in through the debugging protocol, which the pages' CSP does not
 * govern, so the page under test stays exactly as served.
 */
async function axeViolations(page) {
  if (!AXE_SOURCE) { throw new Error('AXE_CORE is not set (run through run.sh)'); }
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.evaluate(AXE_SOURCE);
  }
  const found = await page.evaluate(async () => {
    const res = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    });
    return res.violations.map((v) => `${v.id} (${v.impact}): ` +
      v.nodes.slice(0, 4).map((n) => n.target.join(' ') +
        (n.failureSummary ? ` [${n.failureSummary.replace(/\s+/g, ' ').slice(0, 160)}]` : ''))
        .join('; '));
  });
  return found;
}

/*
 * Focus: Tab through PAGE (at most MAX stops) and, for every element that
 * takes the focus, find what shows it (the element, or the label of an
 * input drawn by its label) and check that it has a ring (an outline of
 * at least 2px, or a box-shadow) that no ancestor with hidden overflow
 * cuts off and that is not covered by another element, until the focus
 * comes round to the first control again.  Returns the problems found,
 * as strings.
 */
async function focusProblems(page, max = 400) {
  const problems = [];
  let first = null;
  await page.evaluate(() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); });
  const seen = new Set();
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const r = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) { return null; }
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.getAttribute('name') ? `[name=${el.getAttribute('name')}]` : '') +
        (el.textContent.trim() ? ` "${el.textContent.trim().slice(0, 30)}"` : '');
      let holder = el;
      const cs = getComputedStyle(el);
      if (parseFloat(cs.opacity) === 0 || el.getBoundingClientRect().width < 2) {
        holder = el.closest('label') || el.parentElement;
      }
      const hs = getComputedStyle(holder);
      const ow = parseFloat(hs.outlineWidth) || 0;
      const ring = (hs.outlineStyle !== 'none' && ow >= 2) || (hs.boxShadow && hs.boxShadow !== 'none');
      const rect = holder.getBoundingClientRect();
      const pad = hs.outlineStyle !== 'none' ? ow + Math.max(0, parseFloat(hs.outlineOffset) || 0) : 0;
      let clipped = null;
      for (let a = holder.parentElement; a && a !== document.documentElement; a = a.parentElement) {
        const as = getComputedStyle(a);
        if (as.overflowX !== 'visible' || as.overflowY !== 'visible') {
          const ar = a.getBoundingClientRect();
          if (rect.left - pad < ar.left - 0.5 || rect.right + pad > ar.right + 0.5 ||
              rect.top - pad < ar.top - 0.5 || rect.bottom + pad > ar.bottom + 0.5) {
            clipped = a.tagName.toLowerCase() + (a.className ? '.' + String(a.className).split(' ')[0] : '');
            break;
          }
        }
      }
      const cx = Math.min(Math.max(rect.left + rect.width / 2, 0), window.innerWidth - 1);
      const cy = Math.min(Math.max(rect.top + rect.height / 2, 0), window.innerHeight - 1);
      const top = document.elementFromPoint(cx, cy);
      const covered = top && !(holder.contains(top) || top.contains(holder) || el.contains(top) ||
        (el.labels && Array.from(el.labels).some((l) => l.contains(top))));
      return { name, ring, clipped, covered: covered ? top.tagName.toLowerCase() : null };
    });
    if (!r) { continue; }
    if (seen.has(r.name)) {
      if (r.name === first) { break; } /* round the page once: done */
      continue;
    }
    if (first === null) { first = r.name; }
    seen.add(r.name);
    if (!r.ring) { problems.push(`${r.name}: no visible focus ring`); }
    if (r.clipped) { problems.push(`${r.name}: focus ring cut off by ${r.clipped}`); }
    if (r.covered) { problems.push(`${r.name}: covered by ${r.covered} when focused`); }
  }
  return problems;
}

/*
 * The accessibility checks of one page kind, WHAT naming it: axe-core at
 * 1280 and 390 pixels, no sideways scrolling at 640 pixels (a 1280-pixel
 * window at 200% zoom), and the focus ring of every control (at 1280).
 * The viewport is put back afterwards.
 */
async function checkA11y(page, what, opts = {}) {
  const was = page.viewportSize();
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 844 });
    const v = await axeViolations(page);
    check(v.length === 0, `${what}: no WCAG 2.1 AA violations at ${width}px` +
      (v.length ? ': ' + v.join(' | ') : ''));
  }
  await page.setViewportSize({ width: 640, height: 844 });
  const over = await page.evaluate(() =>
    document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth);
  check(over <= 0, `${what}: at 200% zoom (640px) no sideways scrolling (overflow ${over}px)`);
  if (!opts.skipFocus) {
    await page.setViewportSize({ width: 1280, height: 844 });
    const f = await focusProblems(page);
    check(f.length === 0, `${what}: every control shows its focus` + (f.length ? ': ' + f.join(' | ') : ''));
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
 * (OPTS.fromName, OPTS.api for a JSON API port, OPTS.batchWindow and
 * OPTS.showContent as in writeConf, OPTS.conf more lines), `gatewayctl init` and
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
  const conf = writeConf(dir, port, { fromName: opts.fromName, apiPort,
    batchWindow: opts.batchWindow, showContent: opts.showContent, extra: opts.conf });
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
  seedFirm, run, DESKTOP, PHONE, axeViolations, focusProblems, checkA11y,
};
