/*
 * notes.cjs - internal notes and @mentions in headless Chromium
 * (playwright-core), against the real gatewayd with its JSON API and a
 * Maildir transport.
 *
 * A member types "@Ot", picks the suggestion and sends an internal note:
 * the colleague cannot see the account, so the page comes back with the
 * error naming them and the text and the switch kept.  The note then goes
 * out mentioning the owner: staff see it marked as internal, the client's
 * open page gets no live update for it, does not show it after a reload,
 * the API's reading as the contact does not hold it and no email to the
 * client carries it, while the owner's mention email does.  An owner
 * mentioning the colleague is offered "assign and post"; the client reads
 * that mention as the plain name.  Pages are checked at 1280 and 390
 * pixels and screenshots saved into SCREENSHOT_DIR.  Any script or CSP
 * error, other than the refused posts' 400s, fails the test.
 */
'use strict';

const { DESKTOP, PHONE, check, mails, noErrors, openPage, run, seedFirm, shootWidths, shot } =
  require('./lib.cjs');

const NOTE = 'Anna prefers a phone call';

function seed(env) {
  const { ctl } = env;
  const ids = seedFirm(ctl);
  ids.otto = ctl('staff', 'add', 'Otto Other', 'otto@firm.example', '--role', 'member');
  ids.anna = ctl('contact', 'add', ids.acme, 'Anna Baker', 'anna@acme.example');
  ids.thread = ctl('thread', 'new', ids.acme, '--from', ids.member,
    '--subject', 'Year-end accounts 2026', '--body', 'Please send the bank statements.');
  ids.key = ctl('apikey', 'add', 'portal');
  return ids;
}

async function shots(page, name) {
  await shootWidths(page, name, (width) =>
    (width === 1280 ? `${name}: fits 1280px` : `${name}: fits 390px without sideways scrolling`), 900);
}

async function waitSent(ctl, thread) {
  for (let i = 0; i < 60; i++) {
    const rows = JSON.parse(ctl('--json', 'outbox', 'list', '--thread', thread, '--limit', '1000'));
    if (rows.every((r) => r.status === 'sent')) { return rows; }
    await new Promise((r) => setTimeout(r, 250));
  }
  return JSON.parse(ctl('--json', 'outbox', 'list', '--thread', thread, '--limit', '1000'));
}

async function flow(browser, env) {
  const { ctl, ids } = env;

  // The client has the chat open, and counts the live updates it gets.
  const { context: clientCtx, page: client, errors } =
    await openPage(browser, ctl('link', ids.thread, '--for', `contact:${ids.anna}`), PHONE);
  await client.evaluate(() => {
    window.changes = 0;
    const es = new EventSource(document.getElementById('thread').getAttribute('data-events'));
    es.addEventListener('change', () => { window.changes++; });
  });
  check(!(await client.isVisible('input[name=internal]')), 'client: no internal-note switch');
  check((await client.locator('#mentionlist').count()) === 0, 'client: no list of colleagues');

  // A member: suggestions after "@", a refused mention keeps everything.
  const { context: staffCtx, page: staff } = await openPage(browser,
    ctl('link', ids.thread, '--for', `staff:${ids.member}`), DESKTOP, { errors });
  await staff.click('#body');
  await staff.keyboard.type('Please check this @Ot');
  await staff.waitForSelector('.mentionmenu li', { timeout: 5000 });
  const offered = await staff.textContent('.mentionmenu li[aria-selected=true]');
  check(/Otto Other/.test(offered) && /not on this account/.test(offered),
    `suggestion shows the colleague and that they cannot see the account (${offered})`);
  await shot(staff, 'notes-suggest-desktop.png');
  await staff.keyboard.press('Enter');
  check((await staff.inputValue('#body')) === 'Please check this @Otto Other ',
    'Enter puts the whole name in, the form is not sent');
  await staff.check('input[name=internal]');
  const [refused] = await Promise.all([
    staff.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/reply')),
    staff.click('#replyform button.primary')]);
  await staff.waitForLoadState('load');
  check(refused.status() === 400, `a mention of who cannot see the account is refused (${refused.status()})`);
  check(/Otto Other cannot see the account Acme Bakery Ltd/.test(await staff.textContent('.error')),
    'the error names the colleague and the account');
  check((await staff.inputValue('#body')).trim() === 'Please check this @Otto Other', 'the typed text is kept');
  check(await staff.isChecked('input[name=internal]'), 'the internal switch is kept');
  check(!(await staff.isVisible('button.assign')), 'a member is not offered to assign');
  await shots(staff, 'notes-refused');

  // Nobody of that name.
  await staff.fill('#body', '@Nobody can you look?');
  await Promise.all([staff.waitForResponse((r) => r.url().includes('/reply')),
    staff.click('#replyform button.primary')]);
  await staff.waitForLoadState('load');
  check(/@Nobody: no colleague has that name/.test(await staff.textContent('.error')),
    'a mention of nobody is refused by name');
  check((await staff.inputValue('#body')) === '@Nobody can you look?', 'and its text kept');

  // The note goes out.
  await staff.fill('#body', `${NOTE}. @Olivia Owner FYI`);
  await staff.check('input[name=internal]');
  await Promise.all([staff.waitForURL(/\/t\/\d+#reply$/), staff.click('#replyform button.primary')]);
  const note = staff.locator('.msg.internal').last();
  check(await note.isVisible(), 'staff: the note is in the timeline, marked internal');
  check(/Internal note/.test(await note.textContent()), 'staff: labelled "Internal note"');
  check((await note.locator('.mention').textContent()) === '@Olivia Owner', 'staff: the mention is marked');
  const bg = await note.locator('.bubble').evaluate((e) => getComputedStyle(e).backgroundColor);
  check(bg === 'rgb(255, 246, 224)', `staff: the note has its own colour (${bg})`);
  await shots(staff, 'notes-staff');

  // The client's page: no live update, nothing after a reload.
  await client.waitForTimeout(3000);
  check((await client.evaluate(() => window.changes)) === 0, 'client: no live update for the note');
  check(!(await client.content()).includes(NOTE), 'client: the open page does not show it');
  await client.reload();
  check(!(await client.content()).includes(NOTE), 'client: not after a reload either');
  const api = await fetch(`http://127.0.0.1:${env.apiPort}/api/v1/threads/${ids.thread}?reader=contact:${ids.anna}`,
    { headers: { Authorization: `Bearer ${ids.key}` } });
  const shown = await api.json();
  check(api.status === 200 && !JSON.stringify(shown).includes(NOTE) &&
    shown.messages.every((m) => m.visibility === 'client'), 'API: the contact\'s reading does not hold it');
  const all = await (await fetch(`http://127.0.0.1:${env.apiPort}/api/v1/threads/${ids.thread}`,
    { headers: { Authorization: `Bearer ${ids.key}` } })).json();
  check(all.messages.some((m) => m.body.includes(NOTE) && m.visibility === 'staff'),
    'API: the firm\'s reading has it with visibility "staff"');

  // An owner mentions the colleague in a client message: assign and post.
  const { context: ownerCtx, page: owner } = await openPage(browser,
    ctl('link', ids.thread, '--for', `staff:${ids.owner}`), DESKTOP, { errors });
  await owner.fill('#body', 'Thanks Anna, @Otto Other will call you.');
  await Promise.all([owner.waitForResponse((r) => r.url().includes('/reply')),
    owner.click('#replyform button.primary')]);
  await owner.waitForLoadState('load');
  check(await owner.isVisible('button.assign'), 'an owner is offered to assign and post');
  await shots(owner, 'notes-assign');
  await Promise.all([owner.waitForURL(/\/t\/\d+#reply$/), owner.click('button.assign')]);
  check((await owner.locator('.msg .mention').last().textContent()) === '@Otto Other',
    'posted after the assignment, the mention marked');
  await client.waitForSelector('text=will call you', { timeout: 10000 });
  check(true, 'client: the client message arrives live');
  await client.reload();
  const plain = await client.textContent('#timeline');
  check(plain.includes('Thanks Anna, Otto Other will call you.') && !plain.includes('@Otto'),
    'client: the mention reads as the plain name');
  check((await client.locator('.mention').count()) === 0, 'client: nothing marked');
  await shots(client, 'notes-client');

  // Emails: none to the client carries the note; the mentions went out.
  await waitSent(ctl, ids.thread);
  const all_mail = mails(env.dir);
  const toAnna = all_mail.filter((m) => /^To: .*anna@acme\.example/m.test(m));
  check(toAnna.length >= 2 && toAnna.every((m) => !m.includes('phone call')),
    `email: ${toAnna.length} emails to the client, none with the note`);
  check(all_mail.some((m) => /^To: .*olivia@firm\.example/m.test(m) && /mentioned you/.test(m)),
    'email: the owner got the mention');
  check(all_mail.some((m) => /^To: .*otto@firm\.example/m.test(m) && /mentioned you/.test(m)),
    'email: the colleague assigned on the way got the mention');
  const audit = JSON.parse(ctl('--json', 'audit', '--limit', '1000')).audit;
  check(audit.some((a) => a.action === 'note' && a.actor_kind === 'staff'), 'audit: the note is recorded as "note"');

  const unexpected = errors.filter((e) => !/status of 400 \(Bad Request\)/.test(e));
  noErrors(unexpected, 'no script or CSP errors');
  await clientCtx.close();
  await staffCtx.close();
  await ownerCtx.close();
}

run({ tmp: 'gw-browser-notes-', api: true, seed, cleanStop: true }, flow);
