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

const { DESKTOP, PHONE, check, fitsAt, noErrors, openPage, run, seedFirm, shot, waitMail } =
  require('./lib.cjs');

const BEN = 'Ben Flour-Longname-Wholesale';
const BEN_MAIL = 'ben.flour-longname-wholesale@accounts.acme-bakery-group.example';
const NOBODY = `Nobody will be emailed: Anna Baker unsubscribed, ${BEN} has notifications off`;

function seed(env) {
  const { ctl } = env;
  const ids = seedFirm(ctl);
  ids.anna = ctl('contact', 'add', ids.acme, 'Anna Baker', 'anna@acme.example');
  ids.ben = ctl('contact', 'add', ids.acme, BEN, BEN_MAIL);
  ids.thread = ctl('thread', 'new', ids.acme, '--from', ids.member,
    '--subject', 'Year-end accounts 2026',
    '--body', 'Hello Anna, please send us the bank statements for December.');
  return ids;
}

/* The List-Unsubscribe URL of the email the relay delivered to ADDRESS. */
function unsubscribeLink(dir, address) {
  return waitMail(dir, (text) => {
    const head = text.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
    const to = /^To:.*$/mi.exec(head);
    const lu = /^List-Unsubscribe:\s*<([^>]+)>/mi.exec(head);
    return to && to[0].includes(address) && lu ? lu[1] : null;
  });
}

/* Anna unsubscribes with the link of her email, as she would. */
async function annaUnsubscribes(browser, env) {
  const { ctl, ids } = env;
  const rows = JSON.parse(ctl('outbox', 'list', '--json', '--thread', ids.thread));
  check(rows.some((r) => r.kind === 'new_message' && String(r.recipient_id) === ids.anna),
    'Anna was emailed about the new chat');
  const link = await unsubscribeLink(env.dir, 'anna@acme.example');
  check(link !== null, 'the email to Anna carries a List-Unsubscribe link');
  const { context, page } = await openPage(browser, link, PHONE);
  await page.click('button:has-text("Unsubscribe")');
  check(await page.isVisible('text=You are unsubscribed'), 'Anna unsubscribed with her link');
  check(await page.isVisible('text=Changed your mind?'), 'and is told where to turn emails on again');
  await context.close();
}

async function staffView(browser, env) {
  const { ctl, ids } = env;
  const link = ctl('link', ids.thread, '--for', `staff:${ids.member}`);
  const { context, page, errors } = await openPage(browser, link, DESKTOP);

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
  await fitsAt(page, warn, 'the warning', 0.5);
  await fitsAt(page, ben, 'Ben\'s line with the long address', 0.5);
  await page.setViewportSize({ width: 1280, height: 844 });
  await shot(page, 'people-nobody-desktop.png', { fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'people-nobody-phone.png', { fullPage: true });
  await warn.scrollIntoViewIfNeeded();
  await shot(page, 'people-warning-phone-viewport.png');
  await people.scrollIntoViewIfNeeded();
  await shot(page, 'people-list-phone-viewport.png');

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
  noErrors(errors, 'no script or CSP errors on the staff page');
  await context.close();
  return link;
}

async function clientView(browser, env) {
  const { ctl, ids } = env;
  const link = ctl('link', ids.thread, '--for', `contact:${ids.anna}`);
  const { context, page, errors } = await openPage(browser, link, PHONE);
  check(!(await page.isVisible('#nobody')), 'the client does not see the warning');
  check(!(await page.isVisible('#people')), 'the client does not see the people list');
  await page.goto(new URL('/', page.url()).toString());
  check(await page.isVisible('text=You unsubscribed from our emails'),
    'Anna\'s home page says she unsubscribed');
  await shot(page, 'people-client-home-phone.png', { fullPage: true });
  await page.click('button:has-text("Turn emails on")');
  await page.waitForLoadState('load');
  check(!(await page.isVisible('text=You unsubscribed from our emails')), 'her emails are on again');
  noErrors(errors, 'no script or CSP errors on the client page');
  await context.close();
}

async function warningGone(browser, staffLink) {
  const { context, page } = await openPage(browser, staffLink, PHONE);
  check(!(await page.isVisible('#nobody')), 'the warning is gone once Anna is emailed again');
  check((await page.locator('#people ul.contacts li:has-text("Anna Baker") .tag.ok').textContent())
    .trim() === 'emailed', 'Anna is emailed');
  await context.close();
}

run({ tmp: 'gw-browser-people-', seed }, async (browser, env) => {
  await annaUnsubscribes(browser, env);
  const staffLink = await staffView(browser, env);
  await clientView(browser, env);
  await warningGone(browser, staffLink);
  const people = JSON.parse(env.ctl('--json', 'thread', 'people', env.ids.thread));
  check(people.nobody_emailed === null, 'gatewayctl agrees: someone is emailed');
});
