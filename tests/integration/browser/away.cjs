/*
 * away.cjs - a client's out-of-office reply as staff see it, in headless
 * Chromium driven by playwright-core.
 *
 * Seeds a database with gatewayctl, delivers an auto-reply ("out of the
 * office until <10 days ahead>") to the thread's notification through the
 * real gatewayd-pipe program, starts gatewayd, and checks the staff thread
 * page: the staff-only note, "away until" next to the contact in the
 * people list, at desktop (1280px) and phone (390px) widths without
 * horizontal scrolling; with every contact away, the reminder schedule
 * says it waits; the client's page shows none of it.  Screenshots go
 * to SCREENSHOT_DIR.  Any script or CSP error fails the test.
 */
'use strict';

const { execFileSync } = require('child_process');

const { DESKTOP, PHONE, check, fitsAt, noErrors, openPage, run, shot } = require('./lib.cjs');

const PIPE = process.env.GATEWAYD_PIPE;

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December'];

function seed(env) {
  const { ctl } = env;
  const ids = {};
  ids.owner = ctl('staff', 'add', 'Olivia Owner', 'olivia@firm.example', '--role', 'owner');
  ids.acme = ctl('account', 'add', 'Acme Bakery Ltd');
  ids.anna = ctl('contact', 'add', ids.acme, 'Anna Baker', 'anna@acme.example');
  ids.ben = ctl('contact', 'add', ids.acme, 'Ben Flour-Longname-Wholesale',
    'ben.flour-longname-wholesale@accounts.acme-bakery-group.example');
  ids.thread = ctl('thread', 'new', ids.acme, '--from', ids.owner,
    '--subject', 'Year-end accounts 2026',
    '--body', 'Hello Anna, please send us the bank statements for December.',
    '--remind', '--remind-days', '3', '--remind-count', '2');
  return ids;
}

/* An auto-reply from WHO, through gatewayd-pipe as Postfix would run it. */
function deliverAutoReply(env, who, address, days) {
  const { conf, ctl, ids } = env;
  const rows = JSON.parse(ctl('outbox', 'list', '--json', '--thread', ids.thread));
  const ours = rows.find((r) => r.kind === 'new_message' && String(r.recipient_id) === ids[who]);
  const back = new Date(Date.now() + days * 86400 * 1000);
  const text = `${back.getUTCDate()} ${MONTHS[back.getUTCMonth()]}`;
  const msg = [
    `From: <${address}>`,
    'To: <reply@reply.firm.example>',
    'Subject: Automatic reply: Year-end accounts 2026',
    `Message-ID: <ooo-${who}@acme.example>`,
    `In-Reply-To: <${ours.mail_id}>`,
    'Auto-Submitted: auto-replied',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Thank you for your email. I am out of the office until ${text}`,
    'with limited access to email.', ''].join('\n');
  const out = execFileSync(PIPE, ['-c', conf, address, 'reply@reply.firm.example'],
    { input: msg, encoding: 'utf8' });
  check(out === '', `gatewayd-pipe handled ${who}'s auto-reply quietly (${out.trim()})`);
  // as an English reader reads the day: the note long, the tag short
  const m = MONTHS[back.getUTCMonth()], d = back.getUTCDate(), y = back.getUTCFullYear();
  return { long: `${m} ${d}, ${y}`, short: `${m.slice(0, 3)} ${d}, ${y}` };
}

async function staffView(browser, env, day) {
  const { ctl, ids } = env;
  const link = ctl('link', ids.thread, '--for', `staff:${ids.owner}`);
  const { context, page, errors } = await openPage(browser, link, DESKTOP);
  const note = `Anna Baker is away until ${day.long} (automatic reply).`;
  check(await page.isVisible(`text=${note}`), `staff see the note "${note}"`);
  const tag = page.locator('ul.contacts li:has-text("Anna Baker") .tag.away');
  check(await tag.isVisible(), 'the people list marks Anna away');
  check((await tag.textContent()).trim() === `away until ${day.short}`,
    `it reads "away until ${day.short}"`);
  check(!(await page.isVisible('ul.contacts li:has-text("Ben Flour") .tag.away')),
    'the other contact is not marked away');
  await shot(page, 'staff-thread-away-desktop.png', { fullPage: true });
  await fitsAt(page, tag, 'the away tag');
  await shot(page, 'staff-thread-away-phone.png', { fullPage: true });
  check(!(await page.isVisible('text=it waits while')), 'the reminder goes on time: Ben is here');

  // Ben goes away too: the next reminder waits, and the staff box says so.
  deliverAutoReply(env, 'ben', 'ben.flour-longname-wholesale@accounts.acme-bakery-group.example', 20);
  await page.reload();
  check(await page.isVisible('.staffbox .hint:has-text("it waits while every contact is away, until")'),
    'the schedule says the reminder waits for the first return');
  await shot(page, 'staff-thread-all-away-phone.png', { fullPage: true });
  noErrors(errors, 'no script or CSP errors on the staff page');
  await context.close();
}

async function clientView(browser, env) {
  const { ctl, ids } = env;
  const link = ctl('link', ids.thread, '--for', `contact:${ids.anna}`);
  const { context, page } = await openPage(browser, link, PHONE);
  check((await page.textContent('h1')).includes('Year-end accounts 2026'), 'client page opens');
  check(!(await page.isVisible('text=is away until')), 'the client does not see the staff note');
  check(!(await page.isVisible('.tag.away')), 'the client does not see the away tag');
  await context.close();
}

/* Anna's auto-reply is in before the daemon starts, and not answered. */
function before(env) {
  env.day = deliverAutoReply(env, 'anna', 'anna@acme.example', 10);
  const explained = JSON.parse(env.ctl('outbox', 'list', '--json', '--thread', env.ids.thread))
    .filter((r) => r.kind === 'explanation');
  check(explained.length === 0, 'the auto-reply was not answered');
}

run({ tmp: 'gw-browser-away-', seed, before }, async (browser, env) => {
  await staffView(browser, env, env.day);
  await clientView(browser, env);
});
