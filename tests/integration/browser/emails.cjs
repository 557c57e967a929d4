/*
 * emails.cjs - how many emails a session of ordinary use sends, and how
 * each kind of email reads on a phone, in headless Chromium against the
 * real gatewayd with a Maildir transport.
 *
 * The session is the five minutes of the design (staff posts, the client
 * reads and replies, ticks and unticks tasks, uploads, staff answers while
 * the client looks, the client answers while staff look, staff write once
 * more) compressed: [mail] batch_window is 10 seconds instead of 2 minutes
 * and each step follows the last at once, so every step that happens
 * "within the window" in real use does here too.  The Maildir is then
 * counted: at most 3 emails to the staff member and 2 to the client (here
 * 1 and 2: what was seen live or read was not emailed).
 *
 * Then every kind of email the session and a few commands produce (the
 * client's batch, the staff's batch, a resend, a reminder, a single task
 * tick) is loaded from the Maildir, its HTML part decoded and shown at
 * 390x844: no sideways scrolling (scrollWidth <= clientWidth), with a
 * message holding a 200-character link and a long line of code.
 * Screenshots of each go to SCREENSHOT_DIR (email-KIND-phone.png).
 */
'use strict';

const { PHONE, DESKTOP, check, mails, noErrors, openPage, run, seedFirm, shot, shootWidths } =
  require('./lib.cjs');

const WINDOW_S = 10;
const LONG_URL = `https://documents.example/${'very-long-path-segment-'.repeat(8)}statement.pdf`;
const CODE = `    ${'IBAN-FR76-3000-6000-0112-3456-7890-189-'.repeat(4)}`;

function seed(env) {
  const { ctl } = env;
  const ids = seedFirm(ctl);
  ids.anna = ctl('contact', 'add', ids.acme, 'Anna Baker', 'anna@acme.example');
  ids.thread = ctl('thread', 'new', ids.acme, '--from', ids.member,
    '--subject', 'Year-end accounts 2026', '--body', 'Please send the **bank statements**.',
    '--task', 'Send the bank statements', '--task', 'Sign the engagement letter');
  return ids;
}

/* Quoted-printable to text (UTF-8). */
function unqp(s) {
  const bytes = [];
  const text = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '=' && /^[0-9A-F]{2}$/.test(text.substr(i + 1, 2))) {
      bytes.push(parseInt(text.substr(i + 1, 2), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/* An email's To address, subject, and decoded text and HTML parts. */
function parse(raw) {
  const head = raw.split(/\r?\n\r?\n/)[0];
  const to = (/^To: .*?<([^>]+)>/m.exec(head) || /^To: (\S+)/m.exec(head) || [])[1];
  const subject = (/^Subject: (.*)$/m.exec(head) || [])[1];
  const boundary = (/boundary="([^"]+)"/.exec(head) || [])[1];
  const parts = {};
  for (const part of raw.split(`--${boundary}`)) {
    const m = /Content-Type: text\/(plain|html)/i.exec(part);
    if (m) { parts[m[1]] = unqp(part.split(/\r?\n\r?\n/).slice(1).join('\n\n')); }
  }
  return { to, subject, plain: parts.plain || '', html: parts.html || '' };
}

function inbox(env) { return mails(env.dir).map(parse); }
const toStaff = (m) => m.to === 'max@firm.example';
const toClient = (m) => m.to === 'anna@acme.example';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitCount(env, pick, n, what) {
  for (let i = 0; i < 400; i++) {
    if (inbox(env).filter(pick).length >= n) { return true; }
    await sleep(100);
  }
  check(false, `${what}: no email came`);
  return false;
}

async function session(browser, env) {
  const { ctl, ids } = env;
  const errors = [];

  // Staff post a second message right after the first (the chat was made
  // by gatewayctl at seeding): both go in one email to the client.
  const { context: s1, page: staff } = await openPage(browser,
    ctl('link', ids.thread, '--for', `staff:${ids.member}`), DESKTOP, { errors });
  await staff.fill('#body', `Also the invoices, here: <${LONG_URL}>\n\n${CODE}`);
  await Promise.all([staff.waitForURL(/#reply$/), staff.click('#replyform button[type=submit]')]);
  await s1.close();
  await waitCount(env, toClient, 1, 'the client\'s first email');
  const first = inbox(env).filter(toClient)[0];
  check(/Please send the bank statements\./.test(first.plain) && /Also the invoices/.test(first.plain),
    'client: one email holds both messages');
  check(!/\*\*bank statements\*\*/.test(first.plain), 'client: the text part is plain text, not Markdown');
  check(/<strong>bank statements<\/strong>/.test(first.html), 'client: the HTML part renders the message');

  // The client follows the email's link, reads, replies, ticks, unticks, uploads.
  const link = (/View chat: (\S+)/.exec(first.plain) || [])[1];
  check(Boolean(link), 'client: the email holds the View-chat link');
  const { context: c1, page: client } = await openPage(browser, link, PHONE, { errors });
  await client.waitForFunction(() => !document.getElementById('markread'), null, { timeout: 5000 });
  await client.fill('#body', 'Here are the statements.');
  await client.setInputFiles('#replyform input[type=file]', {
    name: 'December statement.pdf', mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.4\n% test statement\n'),
  });
  await Promise.all([client.waitForURL(/#reply$/), client.click('#replyform button[type=submit]')]);
  for (const sel of ['.tasks li:first-child button.tick', '.tasks li:nth-child(2) button.tick',
    '.tasks li:nth-child(2) button.tick']) {
    await Promise.all([client.waitForURL(/#tasks$/), client.click(sel)]);
  }
  await c1.close();
  await waitCount(env, toStaff, 1, 'the staff member\'s first email');
  const told = inbox(env).filter(toStaff)[0];
  check(/Anna Baker replied/.test(told.plain), 'staff: the email names who replied');
  check(/Anna Baker ticked off the task "Send the bank statements"/.test(told.plain),
    'staff: the tick is reported with the contact\'s name');
  check(/Anna Baker unticked the task "Sign the engagement letter"/.test(told.plain),
    'staff: the untick is reported too');
  check(/December statement\.pdf/.test(told.plain), 'staff: the file is listed');
  check(/answer in the chat/.test(told.plain) && !/not delivered to/.test(told.plain),
    'staff: the footer speaks to staff');

  // Staff answer while the client has the chat open: the client saw it live.
  const { context: c2, page: live } = await openPage(browser,
    ctl('link', ids.thread, '--for', `contact:${ids.anna}`), PHONE, { errors });
  const { context: s2, page: staff2 } = await openPage(browser,
    ctl('link', ids.thread, '--for', `staff:${ids.member}`), DESKTOP, { errors });
  await staff2.fill('#body', 'Thank you, that is everything for now.');
  await Promise.all([staff2.waitForURL(/#reply$/), staff2.click('#replyform button[type=submit]')]);
  await live.waitForSelector('text=that is everything for now', { timeout: 10000 });
  // The client answers while staff look.
  await live.fill('#body', 'Great, thanks!');
  await Promise.all([live.waitForURL(/#reply$/), live.click('#replyform button[type=submit]')]);
  await staff2.waitForSelector('text=Great, thanks!', { timeout: 10000 });
  await sleep((WINDOW_S + 3) * 1000);
  check(inbox(env).filter(toClient).length === 1, 'client: no email for what they saw live');
  check(inbox(env).filter(toStaff).length === 1, 'staff: no email for what they saw live');
  await c2.close();
  await s2.close();

  // Later, with nobody looking, staff write once more.
  ctl('message', 'post', ids.thread, '--from', `staff:${ids.member}`, '--body', 'One more question next week.');
  await waitCount(env, toClient, 2, 'the client\'s second email');
  await sleep((WINDOW_S + 2) * 1000);
  const all = inbox(env);
  const nStaff = all.filter(toStaff).length;
  const nClient = all.filter(toClient).length;
  console.log(`# session: ${nStaff} email(s) to the staff member, ${nClient} to the client`);
  check(nStaff <= 3, `at most 3 emails to the staff member (${nStaff})`);
  check(nClient <= 2, `at most 2 emails to the client (${nClient})`);
  noErrors(errors, 'no script or CSP errors during the session');
}

/* More kinds of email: a resend, a reminder, a single tick. */
function moreKinds(env) {
  const { ctl, ids } = env;
  ctl('thread', 'resend', ids.thread);
  ctl('reminders', 'set', ids.thread, '--on', '--days', '1', '--count', '1');
  ctl('tick', '--now', new Date(Date.now() + 3 * 86400 * 1000).toISOString().replace(/\.\d+Z$/, 'Z'));
  const task = JSON.parse(ctl('--json', 'thread', 'show', ids.thread)).tasks[1].id;
  ctl('task', 'done', String(task), '--by', `contact:${ids.anna}`);
  ctl('tick', '--now', new Date(Date.now() + 4 * 86400 * 1000).toISOString().replace(/\.\d+Z$/, 'Z'));
}

function kindOf(m) {
  if (/This is reminder/.test(m.plain)) { return 'reminder'; }
  if (/would like you to look at/.test(m.plain)) { return 'resend'; }
  if (/^What happened in/m.test(m.plain)) { return 'staff-batch'; }
  if (/ticked off the task|unticked the task/.test(m.plain)) { return 'staff-task'; }
  if (/^News from/m.test(m.plain)) { return 'client-batch'; }
  return toStaff(m) ? 'staff' : 'client';
}

async function phoneWidth(browser, env) {
  const { context, page } = await openPage(browser, null, PHONE);
  const seen = new Set();
  for (const m of inbox(env)) {
    const kind = kindOf(m);
    if (seen.has(kind)) { continue; }
    seen.add(kind);
    await page.setContent(m.html);
    const { sw, cw } = await page.evaluate(() => ({
      sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
    check(sw <= cw, `${kind} email at 390px: no sideways scrolling (scrollWidth ${sw}, clientWidth ${cw})`);
    await shot(page, `email-${kind}-phone.png`, { fullPage: true });
  }
  for (const k of ['client-batch', 'staff-batch', 'resend', 'reminder', 'staff-task']) {
    check(seen.has(k), `a ${k} email was checked at 390px`);
  }
  const withLink = inbox(env).find((m) => m.html.includes(LONG_URL));
  check(Boolean(withLink) && withLink.html.includes(`<a href="${LONG_URL}">${LONG_URL}</a>`),
    'the long link is a link in the HTML part');
  await context.close();
}

/* The staff's switch on the thread page: it says what it does, works
 * without script errors and fits at 1280 and 390 pixels. */
async function contentSwitch(browser, env) {
  const { ctl, ids } = env;
  const { context, page, errors } = await openPage(browser,
    ctl('link', ids.thread, '--for', `staff:${ids.member}`), DESKTOP);
  const button = page.locator('#content button');
  check((await button.textContent()) === 'Stop showing messages in emails',
    'staff: the firm\'s default (shown) is the thread\'s');
  await Promise.all([page.waitForURL(/\/t\/\d+/), button.click()]);
  await page.waitForLoadState('load');
  check((await page.locator('#content button').textContent()) === 'Show messages in emails',
    'staff: switched off');
  check(JSON.parse(ctl('--json', 'thread', 'show', ids.thread)).show_content === false,
    'the thread no longer shows its messages in emails');
  await page.locator('#content').scrollIntoViewIfNeeded();
  await shootWidths(page, 'email-content-switch', (w) => `the content switch: page fits ${w}px`, 900);
  noErrors(errors, 'no script or CSP errors around the content switch');
  await context.close();
}

run({ tmp: 'gw-browser-emails-', fromName: 'Example & Partners', seed, cleanStop: true,
  batchWindow: `${WINDOW_S}s`, showContent: 'yes' }, async (browser, env) => {
  await session(browser, env);
  moreKinds(env);
  await phoneWidth(browser, env);
  await contentSwitch(browser, env);
});
