/*
 * words.cjs - what people are told, in headless Chromium against the real
 * gatewayd with a Maildir transport.
 *
 * A chat with two tasks and reminders greets "Dear [CONTACT_FIRST_NAME]":
 * Anna reads "Dear Anna", Ben "Dear Ben", staff a marked placeholder.  The
 * reminder banner says the stop rule the scheduler applies and what is
 * left.  A day later (gatewayctl tick) the reminder email lands in the
 * Maildir: its subject says "Reminder:", its body names the message and
 * says what stops reminders.  An owner adds a template with tasks on the
 * Templates page; choosing it fills the new-chat form, with JavaScript as
 * soon as it is chosen and without JavaScript through "Use template".
 * Pages are checked at 1280 and 390 pixels, screenshots saved into
 * SCREENSHOT_DIR; any script or CSP error fails the test.
 */
'use strict';

const { DESKTOP, PHONE, check, noErrors, openPage, run, seedFirm, shootWidths, waitMail } =
  require('./lib.cjs');

const RULE_CLIENT = 'Reminders stop when you answer, or when all your tasks are done and all ' +
  'messages are read.';
const RULE_STAFF = 'Reminders stop when the client answers, or when all their tasks are done ' +
  'and all messages are read.';

function seed(env) {
  const { ctl } = env;
  const ids = seedFirm(ctl);
  ids.anna = ctl('contact', 'add', ids.acme, 'Anna Baker', 'anna@acme.example');
  ids.ben = ctl('contact', 'add', ids.acme, 'Ben Baker', 'ben@acme.example');
  ids.thread = ctl('thread', 'new', ids.acme, '--from', ids.member,
    '--subject', 'Year-end accounts 2026',
    '--body', 'Dear [CONTACT_FIRST_NAME], please send the bank statements.',
    '--task', 'Upload the bank statements', '--task', 'Sign the engagement letter',
    '--remind', '--remind-days', '1', '--remind-count', '2');
  return ids;
}

async function shots(page, name) {
  await shootWidths(page, name, (width) =>
    (width === 1280 ? `${name}: fits 1280px` : `${name}: fits 390px without sideways scrolling`), 900);
}

async function clientPages(browser, env, errors) {
  const { ctl, ids } = env;
  const { context: a, page: anna } =
    await openPage(browser, ctl('link', ids.thread, '--for', `contact:${ids.anna}`), PHONE, { errors });
  const annaText = await anna.textContent('#timeline');
  check(annaText.includes('Dear Anna, please send') && !annaText.includes('Ben'),
    'Anna reads her own name');
  const banner = await anna.textContent('#bell');
  check(banner.includes(RULE_CLIENT), `client banner says the stop rule (${banner.trim()})`);
  check(/Still to do: 2 tasks open/.test(banner), 'client banner says what is left');
  check(!/finishing your tasks/.test(banner), 'no promise that tasks alone stop them');
  await shots(anna, 'words-client-banner');
  const { context: b, page: ben } =
    await openPage(browser, ctl('link', ids.thread, '--for', `contact:${ids.ben}`), PHONE, { errors });
  const benText = await ben.textContent('#timeline');
  check(benText.includes('Dear Ben, please send') && !benText.includes('Anna'),
    'Ben reads his own name, not Anna\'s');
  await a.close();
  await b.close();
}

async function staffPage(browser, env, errors) {
  const { ctl, ids } = env;
  const { context, page } =
    await openPage(browser, ctl('link', ids.thread, '--for', `staff:${ids.member}`), DESKTOP, { errors });
  const chip = page.locator('#timeline .chip').first();
  check((await chip.textContent()) === 'Contact\'s first name', 'staff see the placeholder as a chip');
  check((await page.textContent('#bell')).includes(RULE_STAFF), 'staff banner says the rule for staff');
  await shots(page, 'words-staff-thread');
  await context.close();
}

async function reminderMail(env) {
  const { ctl, dir } = env;
  const tomorrow = new Date(Date.now() + 26 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  ctl('tick', '--now', tomorrow);
  const mail = await waitMail(dir, (m) => (/^To: .*anna@acme\.example/m.test(m) &&
    /^Subject: Reminder: /m.test(m) ? m : null));
  check(mail !== null, 'the reminder email is in the Maildir');
  if (mail === null) { return; }
  const text = mail.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g,
    (_, h) => String.fromCharCode(parseInt(h, 16)));
  check(/^Subject: Reminder: Year-end accounts 2026/m.test(text), 'subject "Reminder: SUBJECT"');
  check(/This is reminder 1 of 2 about the message Max Member at Example & Partners sent you on [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d[^A-Z]{1,3}[AP]M UTC in "Year-end accounts 2026"/.test(text),
    `the body names the message: author and date (${(text.match(/This is reminder[^\r\n]*/) || [''])[0]})`);
  check(text.includes(RULE_CLIENT), 'the body says what stops the reminders');
  check(/Still to do: 2 tasks open/.test(text), 'the body says what is left');
}

async function templates(browser, env, errors) {
  const { ctl, ids, base } = env;
  const { context, page } =
    await openPage(browser, ctl('link', ids.thread, '--for', `staff:${ids.owner}`), DESKTOP, { errors });
  await page.goto(`${base}/templates`);
  await page.fill('#tpl0 input[name=name]', 'Year end');
  await page.fill('#subject0', 'Year-end documents for [ACCOUNT_NAME]');
  await page.fill('#body0', 'Dear , please upload your documents.');
  // the shortcode button puts the code at the cursor
  await page.click('#body0');
  await page.evaluate(() => { const t = document.getElementById('body0'); t.setSelectionRange(5, 5); });
  await page.click('#tpl0 details.shortcodes:nth-of-type(2) summary');
  await page.click('#tpl0 button.sc[data-code="[CONTACT_FIRST_NAME]"][data-target="body0"]');
  check((await page.inputValue('#body0')) === 'Dear [CONTACT_FIRST_NAME], please upload your documents.',
    'Insert puts the shortcode at the cursor');
  await page.fill('#tpl0 textarea[name=tasks]', 'Bank statements\nPayroll summary');
  await Promise.all([page.waitForURL(/\/templates$/), page.click('#tpl0 button.primary')]);
  check(await page.isVisible('text=Delete template'), 'the template is listed with its form');
  await shots(page, 'words-templates');

  // With JavaScript: choosing it fills the form.
  await page.goto(`${base}/`);
  await page.click('details.newchat summary');
  await page.selectOption('#template', 'Year end');
  check((await page.inputValue('#subject')) === 'Year-end documents for [ACCOUNT_NAME]' &&
    (await page.inputValue('#tasks')) === 'Bank statements\nPayroll summary' &&
    (await page.inputValue('#body')).startsWith('Dear [CONTACT_FIRST_NAME]'),
  'with JavaScript, the template fills subject, message and tasks');
  check(!(await page.isVisible('button.usetpl')), 'with JavaScript, no "Use template" button');
  await shots(page, 'words-newchat-js');
  await context.close();

  // Without JavaScript: "Use template" shows the form again, filled.
  const nojs = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false });
  const p = await nojs.newPage();
  await p.goto(ctl('link', ids.thread, '--for', `staff:${ids.owner}`));
  await p.goto(`${base}/`);
  await p.click('details.newchat summary');
  await p.check(`input[name=account][value="${ids.acme}"]`);
  await p.selectOption('#template', 'Year end');
  check((await p.inputValue('#subject')) === '', 'without JavaScript, nothing is filled by choosing');
  await Promise.all([p.waitForLoadState('load'), p.click('button.usetpl')]);
  await p.waitForSelector('#subject');
  check((await p.inputValue('#subject')) === 'Year-end documents for [ACCOUNT_NAME]' &&
    (await p.inputValue('#tasks')) === 'Bank statements\nPayroll summary',
  'without JavaScript, "Use template" fills the form');
  check(await p.isChecked(`input[name=account][value="${ids.acme}"]`), 'the chosen client stays chosen');
  check(await p.isVisible('details.shortcodes summary'), 'the shortcode list is under the fields');
  await shots(p, 'words-newchat-nojs');
  await Promise.all([p.waitForURL(/\/t\/\d+$/), p.click('details.newchat button.primary')]);
  check((await p.textContent('h1')).includes('Year-end documents for Acme Bakery Ltd'),
    'the chat is created from the filled form');
  await nojs.close();
}

async function flow(browser, env) {
  const errors = [];
  await clientPages(browser, env, errors);
  await staffPage(browser, env, errors);
  await reminderMail(env);
  await templates(browser, env, errors);
  noErrors(errors, 'no script or CSP errors');
}

run({ tmp: 'gw-browser-words-', seed, cleanStop: true }, flow);
