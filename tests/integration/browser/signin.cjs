/*
 * signin.cjs - signing in by email, end to end, in headless Chromium
 * driven by playwright-core.
 *
 * gatewayd runs with the Maildir transport.  At phone width (390px) a
 * signed-out visitor follows "Sign in" from the home page, types their
 * address, reads the email the relay delivered to the Maildir, opens its
 * link, presses "Sign in as Anna Baker" and lands on their chats; the
 * same link opened again says it was used.  "Your sessions" lists the
 * phone and a desktop browser and signs out everywhere.  An address that
 * is staff and a contact chooses after the link; a View link of someone
 * else's in a signed-in browser asks before it switches.  Every new page
 * is photographed at 1280px and 390px (SCREENSHOT_DIR) and must not
 * scroll sideways; any script or CSP error fails the test.
 */
'use strict';

const { PHONE, check, fitsWidth, noErrors, openPage, run, shootWidths, waitMail } = require('./lib.cjs');

function seed(env) {
  const { ctl } = env;
  const ids = {};
  ids.owner = ctl('staff', 'add', 'Olivia Owner', 'olivia@firm.example', '--role', 'owner');
  ids.sam = ctl('staff', 'add', 'Sam Both', 'sam@firm.example', '--role', 'member');
  ids.acme = ctl('account', 'add', 'Acme Bakery Ltd');
  ids.anna = ctl('contact', 'add', ids.acme, 'Anna Baker', 'anna@acme.example');
  ids.samContact = ctl('contact', 'add', ids.acme, 'Sam Both', 'sam@firm.example');
  ids.thread = ctl('thread', 'new', ids.acme, '--from', ids.owner,
    '--subject', 'Year-end accounts 2026',
    '--body', 'Hello Anna, please send us the bank statements for December.');
  return ids;
}

/* Script and CSP errors count; the 400 of a malformed address is the
 * answer the test asks for, which Chromium logs as a failed load. */
const ANSWERED_400 = /status of 400/;

/* The newest email to ADDRESS in the Maildir holding a sign-in link,
 * waited for; its link, decoded from quoted-printable. */
function signinMail(dir, address, seen) {
  return waitMail(dir, (raw) => {
    if (!raw.includes(`To: <${address}>`) && !raw.includes(`<${address}>`)) { return null; }
    const text = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    const m = text.match(/https?:\/\/127\.0\.0\.1:\d+\/s\/[A-Za-z0-9_-]+/);
    return m ? { raw, text, link: m[0] } : null;
  }, 150, seen);
}

/* Photograph the page at desktop and phone widths, checking it fits. */
async function shoot(page, name) {
  await shootWidths(page, name, (width) => `${name} fits at ${width}px`);
}

async function askForLink(page, base, address) {
  await page.goto(`${base}/signin`);
  await page.fill('input[name=email]', address);
  await page.click('button:has-text("Email me a sign-in link")');
  await page.waitForSelector('h1:has-text("Check your email")');
}

async function signInByEmail(browser, env, base, seen) {
  const { context, page, errors } = await openPage(browser, null, PHONE, { ignore: ANSWERED_400,
    userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 ' +
      '(KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36' });

  await page.goto(base + '/');
  check(await page.isVisible('a[href="/signin"]'), 'the signed-out home page links to sign-in');
  await page.click('a[href="/signin"]');
  check(await page.isVisible('input[type=email][name=email]'), 'the sign-in page asks for an address');
  await shoot(page, 'signin-form');

  // A typo is named, and what was typed stays.
  await page.fill('input[name=email]', 'anna@acme');
  await page.click('button:has-text("Email me a sign-in link")');
  check(await page.isVisible('text=email: this is not an email address'), 'a malformed address is named');
  check(await page.inputValue('input[name=email]') === 'anna@acme', 'what was typed is kept');
  await shoot(page, 'signin-bad-address');

  await page.fill('input[name=email]', 'anna@acme.example');
  await page.click('button:has-text("Email me a sign-in link")');
  await page.waitForSelector('h1:has-text("Check your email")');
  const sent = await page.textContent('main');
  check(sent.includes('If this address belongs to someone at Example & Partners'),
    'the answer does not say whether the address is known');
  await shoot(page, 'signin-sent');

  const mail = await signinMail(env.dir, 'anna@acme.example', seen);
  check(mail !== null, 'the sign-in email arrived in the Maildir');
  if (mail === null) { await context.close(); return; }
  check(/Subject: Your sign-in link/.test(mail.raw), 'its subject is "Your sign-in link"');
  check(mail.text.includes('Hello Anna Baker,'), 'it greets Anna');
  check(mail.text.includes('works once, within 30 minutes'), 'it says how long the link works');
  check(!/List-Unsubscribe:/.test(mail.raw), 'it has no unsubscribe header');

  await page.goto(mail.link);
  const button = page.locator('button:has-text("Sign in as Anna Baker")');
  check(await button.isVisible(), 'the link shows "Sign in as Anna Baker"');
  await shoot(page, 'signin-button');
  // Opening it again (a mail scanner did) uses nothing.
  await page.goto(mail.link);
  check(await button.isVisible(), 'opening the link twice still shows the button');
  await button.click();
  await page.waitForSelector('h1:has-text("Your chats")');
  check(page.url() === base + '/', 'signed in, on the home page');
  check(await page.isVisible('text=Year-end accounts 2026'), 'Anna sees her chat');
  check(await fitsWidth(page), 'the home page fits at 390px');

  // The link a second time: used, said plainly.
  const again = await context.newPage();
  await again.goto(mail.link);
  check(await again.isVisible('h1:has-text("This sign-in link was used already")'),
    'a used link says so');
  await shoot(again, 'signin-used');
  await again.close();

  // A second device, then "Your sessions" on the phone.
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 },
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0' });
  const deskPage = await desk.newPage();
  await deskPage.goto(env.ctl('link', env.ids.thread, '--for', `contact:${env.ids.anna}`));
  check(await deskPage.isVisible('text=Year-end accounts 2026'), 'the desktop opened a View link');

  await page.click('a.who');
  await page.waitForSelector('h1:has-text("Your sessions")');
  check(await page.isVisible('text=Chrome on Android'), 'the phone is listed');
  check(await page.isVisible('text=Firefox on Windows'), 'the desktop is listed');
  check(await page.isVisible('.tag.here'), 'this device is marked');
  await shoot(page, 'sessions');
  await page.click('button:has-text("Sign out everywhere")');
  await page.waitForSelector('h1:has-text("Sign in")');
  await deskPage.goto(base + '/');
  check(await deskPage.isVisible('h1:has-text("Welcome")'), 'the desktop is signed out too');
  await desk.close();
  noErrors(errors, 'no script or CSP errors');
  await context.close();
}

async function chooseWho(browser, env, base, seen) {
  const { context, page, errors } = await openPage(browser, null, PHONE, { ignore: ANSWERED_400 });
  await askForLink(page, base, 'sam@firm.example');
  const mail = await signinMail(env.dir, 'sam@firm.example', seen);
  check(mail !== null, 'the email to an address of two people arrived');
  if (mail === null) { await context.close(); return; }
  await page.goto(mail.link);
  await page.click('button:has-text("Sign in")');
  await page.waitForSelector('h1:has-text("Continue as")');
  check(await page.isVisible('button.choice:has-text("Staff at Example & Partners")'),
    'the choice offers the staff member');
  check(await page.isVisible('button.choice:has-text("Acme Bakery Ltd")'),
    'and the contact of Acme Bakery Ltd');
  await shoot(page, 'signin-choose');
  await page.click('button.choice:has-text("Staff at Example & Partners")');
  await page.waitForSelector('h1:has-text("Client chats")');
  check(await page.isVisible('a.who:has-text("Sam Both")'), 'signed in as the staff member');

  // Anna's View link in Sam's browser: asked, not switched.
  await page.goto(env.ctl('link', env.ids.thread, '--for', `contact:${env.ids.anna}`));
  check(await page.isVisible('h1:has-text("Switch to Anna Baker?")'), 'another person\'s link asks first');
  await shoot(page, 'switch-person');
  await page.click('text=Stay signed in as Sam Both');
  check(await page.isVisible('a.who:has-text("Sam Both")'), 'staying keeps Sam signed in');
  noErrors(errors, 'no script or CSP errors');
  await context.close();
}

run({ tmp: 'gw-browser-signin-', seed }, async (browser, env) => {
  const seen = new Set();
  await signInByEmail(browser, env, env.base, seen);
  await chooseWho(browser, env, env.base, seen);
  const audit = env.ctl('audit', '--json');
  check(/"signin"/.test(audit), 'the staff member\'s sign-in is in the audit log');
});
