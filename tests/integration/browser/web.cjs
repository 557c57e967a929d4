/*
 * web.cjs - the View-chat web view as a client and a staff member see it,
 * in headless Chromium driven by playwright-core.
 *
 * Starts the real gatewayd on a temp database seeded with gatewayctl, opens
 * a View-chat link as a client, reads the thread, replies, ticks a task,
 * uploads a file, watches a staff message arrive live (server-sent events)
 * and the unsent-reply warning; checks with `gatewayctl outbox list --json`
 * that staff notifications were queued; saves screenshots of the client
 * thread page and the staff home at desktop (1280px) and phone (390px)
 * widths into SCREENSHOT_DIR.  Staff add and remove links to the firm's
 * systems on a thread (with refused input shown again in place, at
 * desktop and 390px phone width), and the client's page never shows them.
 * Any Content-Security-Policy violation or script error on a page fails
 * the test.
 */
'use strict';

const {
  DESKTOP, PHONE, check, fitsWidth, mails, noErrors, openPage, run, seedFirm, shot, watchErrors,
} = require('./lib.cjs');

function seed(env) {
  const { ctl } = env;
  const ids = seedFirm(ctl);
  ids.birch = ctl('account', 'add', 'Birch & Sons');
  ids.anna = ctl('contact', 'add', ids.acme, 'Anna Baker', 'anna@acme.example', '--may-create');
  ctl('contact', 'add', ids.birch, 'Clara Birch', 'clara@birch.example');
  ids.thread = ctl('thread', 'new', ids.acme, '--from', ids.member,
    '--subject', 'Year-end accounts 2026',
    '--body', 'Hello Anna, please send us the **bank statements** for December ' +
      'and confirm the stock count.\n\nThank you!',
    '--task', 'Upload December bank statements', '--task', 'Confirm the stock count',
    '--remind', '--remind-days', '3', '--remind-count', '2');
  ctl('message', 'post', ids.thread, '--from', `contact:${ids.anna}`,
    '--body', 'Hi Max, will do. Is a PDF from online banking fine?');
  ctl('message', 'post', ids.thread, '--from', `staff:${ids.member}`,
    '--body', 'Yes, a PDF export is perfect. Paper scans work too.');
  ids.other = ctl('thread', 'new', ids.birch, '--from', ids.owner,
    '--subject', 'Payroll questions for January', '--body', 'Dear Clara, a few questions:\n\n' +
      '- headcount\n- new starters\n- bonuses');
  ctl('thread', 'new', ids.acme, '--from', ids.owner, '--subject', 'VAT return Q4',
    '--body', 'Your VAT return is filed. Nothing to do.');
  return ids;
}

async function clientFlow(browser, env, base) {
  const { ctl, ids } = env;
  const link = ctl('link', ids.thread, '--for', `contact:${ids.anna}`);
  const { context, page, errors } = await openPage(browser, link, DESKTOP);

  check(new URL(page.url()).pathname === `/t/${ids.thread}`, 'link lands on the thread URL');
  check(!page.url().includes('/v/'), 'the token is not in the address bar');
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'gw_session');
  check(session && session.httpOnly && session.sameSite === 'Lax', 'session cookie is HttpOnly, SameSite=Lax');
  check((await page.textContent('h1')).includes('Year-end accounts 2026'), 'subject shown');
  check(await page.isVisible('text=bank statements'), 'first message shown');
  check(await page.isVisible('#bell .bell'), 'reminder bell shown');
  check((await page.textContent('#bell')).includes('2 reminders left, every 3 days'), 'reminder schedule shown');

  // Visible page: the read beacon marks the thread read (a POST, not the GET).
  await page.waitForFunction(() => !document.getElementById('markread'), null, { timeout: 5000 });
  const unread = JSON.parse(ctl('thread', 'show', ids.thread, '--json'));
  check(unread !== null, 'thread readable with gatewayctl');

  // Screenshots of the thread before changing it.
  await shot(page, 'client-thread-desktop.png', { fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'client-thread-phone.png', { fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  // Reply.
  await page.fill('#body', 'Here you go: the statements are attached below.');
  await Promise.all([page.waitForURL(/\/t\/\d+#reply$/), page.click('#replyform button[type=submit]')]);
  check(await page.isVisible('text=the statements are attached below'), 'reply shows up after posting');

  // Tick a task.
  await Promise.all([page.waitForURL(/#tasks$/), page.click('.tasks li:first-child button.tick')]);
  check(await page.isVisible('.tasks li:first-child button.tick.done'), 'task ticked');
  check((await page.textContent('.tasks .progress')).includes('1 of 2 done'), 'task progress updated');

  // Upload a file.
  await page.setInputFiles('#replyform input[type=file]', {
    name: 'December statement.pdf', mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.4\n% test statement\n'),
  });
  check((await page.textContent('#replyform .attach span')) === 'December statement.pdf', 'chosen file name shown');
  await Promise.all([page.waitForURL(/#reply$/), page.click('#replyform button[type=submit]')]);
  check(await page.isVisible('a.file:has-text("December statement.pdf")'), 'uploaded file listed');
  const href = await page.getAttribute('a.file:has-text("December statement.pdf")', 'href');
  const dl = await page.request.get(base + href);
  check(dl.status() === 200 && (dl.headers()['content-disposition'] || '').startsWith('attachment;'),
    'file downloads as an attachment');

  // A large file through the same form: the page's token rides in the
  // action's query, so the daemon streams the body to disk.
  const big = Buffer.alloc(3 * 1024 * 1024, 'ledger line\n');
  await page.setInputFiles('#replyform input[type=file]', {
    name: 'ledger.txt', mimeType: 'text/plain', buffer: big,
  });
  const [bigPost] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/reply'),
      { timeout: 20000 }),
    page.click('#replyform button[type=submit]')]);
  await page.waitForLoadState('load');
  check(bigPost.status() === 303, `large upload answered 303 (got ${bigPost.status()})`);
  check(await page.isVisible('a.file:has-text("ledger.txt")'), 'large (3 MB) upload listed');
  const bigHref = await page.getAttribute('a.file:has-text("ledger.txt")', 'href');
  const bigDl = await page.request.get(base + bigHref);
  check(bigDl.status() === 200 && (await bigDl.body()).equals(big), 'large upload downloads byte for byte');

  // Live: a staff message appears without a reload.
  await page.fill('#body', 'draft that must survive');
  ctl('message', 'post', ids.thread, '--from', `staff:${ids.member}`,
    '--body', 'Thanks Anna, got them. **Live** update.');
  await page.waitForSelector('text=got them', { timeout: 10000 });
  check(true, 'staff message arrived live (server-sent events)');
  check((await page.inputValue('#body')) === 'draft that must survive', 'typed reply kept during live update');

  // Unsent reply: leaving warns (beforeunload).
  let warned = false;
  page.on('dialog', async (d) => { warned = d.type() === 'beforeunload'; await d.dismiss(); });
  await page.click('#body');
  await page.keyboard.type(' more');
  await page.close({ runBeforeUnload: true });
  for (let i = 0; i < 50 && !warned; i++) { await new Promise((r) => setTimeout(r, 100)); }
  check(warned, 'leaving with an unsent reply warns');

  noErrors(errors, 'no script or CSP errors on the client pages');
  await context.close();
}

async function staffFlow(browser, env) {
  const { ctl, ids } = env;
  const link = ctl('link', ids.other, '--for', `staff:${ids.owner}`);
  const origin = new URL(link).origin;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];

  const refused = await page.goto(`${origin}/t/${ids.thread}`);
  check(refused.status() === 403 && !(await page.isVisible('text=Thread settings')),
    'no session yet: the thread is not shown');
  watchErrors(page, errors);
  await page.goto(link);
  check(await page.isVisible('text=Thread settings'), 'staff see thread settings');
  await page.goto(`${origin}/`);
  check(await page.isVisible('text=Year-end accounts 2026'), 'staff home lists the client thread');
  check(await page.isVisible('text=Payroll questions for January'), 'owner sees every account');
  check(await page.isVisible('.tcard.unread .badge'), 'unread count shown');
  await shot(page, 'staff-home-desktop.png', { fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'staff-home-phone.png', { fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.click('summary:has-text("New chat")');
  await shot(page, 'staff-new-chat-desktop.png', { fullPage: true });

  await page.goto(`${origin}/t/${ids.thread}`);
  check(await page.isVisible('.msg.mine:has-text("Yes, a PDF export")'), 'staff messages on the staff side');
  await shot(page, 'staff-thread-desktop.png', { fullPage: true });
  noErrors(errors, 'no script or CSP errors on the staff pages');
  await context.close();
}

async function addLink(page, label, url) {
  // Set the values as a script would: maxlength must not hide what the
  // server does with an overlong label.
  await page.evaluate(([l, u]) => {
    document.getElementById('reflabel').value = l;
    document.getElementById('refurl').value = u;
  }, [label, url]);
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/link')),
    page.click('form.refadd button[type=submit]')]);
  await page.waitForLoadState('load');
  return resp.status();
}

const JOB_LABEL = 'Tax return 2026 \u2013 job 4711';
const JOB_URL = 'https://pm.firm.example/jobs/4711';

async function linksFlow(browser, env) {
  const { ctl, ids } = env;
  const staffLink = ctl('link', ids.thread, '--for', `staff:${ids.member}`);
  const { context, page, errors } = await openPage(browser, staffLink, DESKTOP);
  check(await page.isVisible('#links >> text=None yet'), 'links: staff see an empty Links box');

  // Add one: it shows under the title and in the staff box.
  let status = await addLink(page, JOB_LABEL, JOB_URL);
  check(status === 303 && /#links$/.test(page.url()), `links: adding answers 303 back to #links (got ${status})`);
  const head = page.locator('ul.refs a.ref');
  check((await head.count()) === 1 && (await head.textContent()) === JOB_LABEL,
    'links: the label shows under the title');
  check((await head.getAttribute('href')) === JOB_URL && (await head.getAttribute('rel')).includes('noopener'),
    'links: it points at the URL, opened without an opener');
  check(await page.isVisible(`ul.reflist >> text=${JOB_URL}`), 'links: the staff box lists the URL');

  // Refused input: shown again in place, with what was typed.
  status = await addLink(page, '<b>Evil</b> & co', 'javascript:alert(1)');
  check(status === 400, `links: a javascript: URL is refused (got ${status})`);
  check(/\/link#links$/.test(page.url()), 'links: the refused form comes back at #links');
  check((await page.textContent('#referror')).includes('Address: must start with http:// or https://'),
    'links: the error names the address field');
  check((await page.inputValue('#reflabel')) === '<b>Evil</b> & co' &&
    (await page.inputValue('#refurl')) === 'javascript:alert(1)', 'links: the typed label and URL are kept');
  check((await page.getAttribute('#refurl', 'aria-invalid')) === 'true', 'links: the URL field is marked invalid');
  check((await page.locator('a[href^="javascript"]').count()) === 0, 'links: no javascript: link on the page');
  await shot(page, 'staff-link-error-desktop.png', { fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  check(await page.isVisible('#referror'), 'links: the error is visible at 390px');
  check(await fitsWidth(page), 'links: the refused form fits 390px without sideways scrolling');
  await shot(page.locator('#links'), 'staff-link-error-phone.png');
  await page.setViewportSize({ width: 1280, height: 900 });

  status = await addLink(page, '   ', 'https://pm.firm.example/jobs/4712');
  check(status === 400 && (await page.textContent('#referror')).includes('Label: empty') &&
    (await page.inputValue('#refurl')) === 'https://pm.firm.example/jobs/4712',
    'links: an empty label is refused, the URL kept');
  status = await addLink(page, 'x'.repeat(201), 'https://pm.firm.example/jobs/4712');
  check(status === 400 && (await page.textContent('#referror')).includes('Label: longer than 200'),
    'links: an overlong label is refused by the server too');

  // Markup in a label stays text.
  status = await addLink(page, '<b>Folder</b> & co', 'http://dms.firm.example/f?a=1&b=2');
  check(status === 303, 'links: a second link is added');
  const second = page.locator('ul.refs a.ref').nth(1);
  check((await second.textContent()) === '<b>Folder</b> & co' && (await second.locator('b').count()) === 0,
    'links: a label with markup shows as plain text');
  check((await second.getAttribute('href')) === 'http://dms.firm.example/f?a=1&b=2', 'links: query kept in the href');
  await shot(page, 'staff-thread-links-desktop.png', { fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  check(await fitsWidth(page), 'links: the staff thread fits 390px without sideways scrolling');
  await shot(page, 'staff-thread-links-phone.png', { fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  // The client's page never shows them, also after a live update.
  const { context: clientCtx, page: client, errors: clientErrors } =
    await openPage(browser, null, PHONE);
  const responses = [];
  client.on('response', (r) => responses.push(r));
  await client.goto(ctl('link', ids.thread, '--for', `contact:${ids.anna}`));
  const clientHtml = await client.content();
  check(!clientHtml.includes('pm.firm.example') && !clientHtml.includes('job 4711') &&
    !clientHtml.includes('dms.firm.example') && (await client.locator('.refs, #links').count()) === 0,
    'links: the client page does not show them');
  ctl('message', 'post', ids.thread, '--from', `staff:${ids.member}`, '--body', 'Linked to our job file.');
  await client.waitForSelector('text=Linked to our job file', { timeout: 10000 });
  check(!(await client.content()).includes('pm.firm.example'), 'links: not after a live update either');
  let leaked = 0;
  for (const r of responses) {
    // The event stream never ends; what it sent is on the page (above).
    if ((r.headers()['content-type'] || '').startsWith('text/event-stream')) { continue; }
    try { if ((await r.text()).includes('pm.firm.example')) { leaked++; } } catch (e) { /* redirects */ }
  }
  check(leaked === 0, `links: no response to the client carries them (${responses.length} looked at)`);
  check(await fitsWidth(client), 'links: the client thread fits 390px');
  await shot(client, 'client-thread-after-links-phone.png', { fullPage: true });
  noErrors(clientErrors, 'links: no script or CSP errors on the client page');
  await clientCtx.close();

  // Remove the first one, on a phone.
  await page.setViewportSize({ width: 390, height: 844 });
  const remove = page.locator(`ul.reflist li:has-text("${JOB_URL}") button:has-text("Remove")`);
  const box = await remove.boundingBox();
  check(box && box.x >= 0 && box.x + box.width <= 390, 'links: the remove button is on screen at 390px');
  await Promise.all([page.waitForURL(/#links$/), remove.click()]);
  check((await page.locator('ul.refs a.ref').count()) === 1 && !(await page.content()).includes(JOB_URL),
    'links: removing takes it off the page');
  await page.setViewportSize({ width: 1280, height: 900 });
  const shown = JSON.parse(ctl('--json', 'thread', 'show', ids.thread));
  check(shown.refs.length === 1 && shown.refs[0].url === 'http://dms.firm.example/f?a=1&b=2',
    'links: gatewayctl sees what is left');

  // Emails to the client never carry them.
  const sent = mails(env.dir);
  check(sent.every((m) => !m.includes('pm.firm.example') && !m.includes('dms.firm.example')),
    `links: no email carries them (${sent.length} emails looked at)`);
  // The refused forms answer 400 on purpose; Chromium logs each as an error.
  const unexpected = errors.filter((e) => !/status of 400 \(Bad Request\)/.test(e));
  noErrors(unexpected, 'links: no script or CSP errors on the staff pages');
  await context.close();
}

run({ tmp: 'gw-browser-', fromName: 'Example & Partners', firm: ['--allow-client-chats'], seed,
  cleanStop: true }, async (browser, env) => {
  await clientFlow(browser, env, env.base);
  await staffFlow(browser, env);
  await linksFlow(browser, env);

  // Staff were told about the replies and the ticked task; a file goes
  // with its post, whose one email lists it (no separate upload email).
  const rows = JSON.parse(env.ctl('outbox', 'list', '--json', '--thread', env.ids.thread));
  const kinds = new Set(rows.filter((r) => r.recipient_kind === 'staff').map((r) => r.kind));
  for (const k of ['staff_client_replied', 'staff_task_done']) {
    check(kinds.has(k), `outbox holds a ${k} notification for staff`);
  }
  check(!kinds.has('staff_upload'), 'no separate upload email besides the post\'s');
});
