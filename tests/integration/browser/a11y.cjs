/*
 * a11y.cjs - every kind of page of the web view against WCAG 2.1 AA in
 * headless Chromium: axe-core's rules at 1280 and 390 pixels, no
 * sideways scrolling at 200% zoom (640 CSS pixels), and a visible focus
 * ring on every control that Tab reaches (lib.cjs checkA11y()).
 *
 * Pages: the client's chats and thread, the staff's chats and thread (with
 * the task editor, links and people), an archived thread, a refused form
 * shown again, the confirmation after an action, the owners' audit log,
 * "Your sessions", sign-in (form, "check your email", the link's button),
 * "Switch person?", an expired link, a page that is not there, and the
 * unsubscribe page of an email's List-Unsubscribe link.  The client's
 * open page is also checked for its live update: announced politely,
 * focus left where it was.  Any script or CSP error fails the test.
 */
'use strict';

const { DESKTOP, PHONE, check, checkA11y, noErrors, openPage, run, seedFirm, waitMail } =
  require('./lib.cjs');

function seed(env) {
  const { ctl } = env;
  const ids = seedFirm(ctl);
  ids.anna = ctl('contact', 'add', ids.acme, 'Anna Baker', 'anna@acme.example');
  ids.thread = ctl('thread', 'new', ids.acme, '--from', ids.member,
    '--subject', 'Year-end accounts 2026',
    '--body', 'Hello Anna, please send us the **bank statements** for December.',
    '--task', 'Upload the bank statements', '--task', 'Sign the engagement letter',
    '--remind', '--link-label', 'Job 4711', '--link-url', 'https://pm.firm.example/jobs/4711');
  ids.old = ctl('thread', 'new', ids.acme, '--from', ids.member,
    '--subject', 'Payroll 2025', '--body', 'All done, thank you.');
  ctl('thread', 'archive', ids.old);
  ctl('message', 'post', ids.thread, '--from', `contact:${ids.anna}`, '--body', 'Will do this week.');
  ctl('message', 'post', ids.thread, '--from', `staff:${ids.member}`, '--internal',
    '--body', 'She prefers a phone call.');
  return ids;
}

/* Script and CSP errors count; the answers the test asks for (404, 410,
 * a refused form's 400) are logged by Chromium as failed loads. */
const ASKED = /status of (400|403|404|410)/;

async function clientPages(browser, env, errors) {
  const { ctl, ids, base } = env;
  const { context, page } = await openPage(browser,
    ctl('link', ids.thread, '--for', `contact:${ids.anna}`), PHONE, { errors, ignore: ASKED });
  await checkA11y(page, 'client thread');
  // The client ticks a task: the confirmation page.
  await page.click('#tasks button.tick >> nth=0');
  await page.waitForSelector('.flash[role=status]');
  await checkA11y(page, 'client thread with a confirmation');
  // A live update while the client's focus is in the reply box.
  await page.focus('#body');
  await page.fill('#body', 'typing');
  ctl('task', 'edit', JSON.parse(ctl('--json', 'thread', 'show', ids.thread)).tasks[1].id,
    '--text', 'Sign and date the engagement letter', '--by', `staff:${ids.member}`);
  await page.waitForFunction(() => /Sign and date/.test(document.getElementById('tasks').textContent),
    null, { timeout: 10000 }).catch(() => {});
  await page.waitForFunction(() => (document.getElementById('live') || {}).textContent,
    null, { timeout: 5000 }).catch(() => {});
  const live = await page.evaluate(() => {
    const region = document.getElementById('live');
    return { text: region ? region.textContent : null,
      polite: region ? region.getAttribute('aria-live') : null,
      focus: document.activeElement && document.activeElement.id,
      typed: document.getElementById('body').value };
  });
  check(live.polite === 'polite' && /task/i.test(live.text || ''),
    `the live update is announced politely ("${live.text}")`);
  check(live.focus === 'body' && live.typed === 'typing', 'and the focus and the reply being typed stay');
  await page.goto(`${base}/`);
  await checkA11y(page, 'client home');
  await page.goto(`${base}/documents`);
  await checkA11y(page, 'client documents');
  await page.goto(`${base}/t/999999`);
  await checkA11y(page, 'page not found');
  await context.close();
}

async function staffPages(browser, env, errors) {
  const { ctl, ids, base } = env;
  const { context, page } = await openPage(browser,
    ctl('link', ids.thread, '--for', `staff:${ids.owner}`), DESKTOP, { errors, ignore: ASKED });
  await checkA11y(page, 'staff thread');
  await page.fill('#tasknew', '   ');
  await page.click('form.taskadd button');
  await page.waitForSelector('#taskerror');
  await checkA11y(page, 'staff thread with a refused form');
  // A contact's new address refused: the box open, the error in place.
  await page.click('details.contact-edit summary');
  await page.fill('details.contact-edit input[type=email]', 'not an address');
  await page.$eval('details.contact-edit form.contact-email', (f) => { f.noValidate = true; });
  await page.click('details.contact-edit form.contact-email button');
  await page.waitForSelector('details.contact-edit[open] .error');
  await checkA11y(page, 'staff thread with a refused contact address');
  await page.goto(`${base}/t/${ids.old}`);
  await checkA11y(page, 'archived thread');
  await page.goto(`${base}/`);
  await page.click('details.newchat summary').catch(() => {});
  await checkA11y(page, 'staff home with the new-chat form');
  await page.goto(`${base}/audit`);
  await checkA11y(page, 'audit log');
  await page.goto(`${base}/?q=${encodeURIComponent('bank "statements')}&unread=1`);
  await checkA11y(page, 'staff search with filters');
  await page.goto(`${base}/accounts`);
  await checkA11y(page, 'clients page');
  await page.goto(`${base}/inbox`);
  await checkA11y(page, 'inbox');
  await page.goto(`${base}/staff`);
  await checkA11y(page, 'staff and their rights');
  await page.goto(`${base}/templates`);
  await checkA11y(page, 'templates');
  await page.goto(`${base}/t/${ids.thread}/documents`);
  await checkA11y(page, 'documents of a thread');
  await page.goto(`${base}/accounts/${ids.acme}/documents`);
  await checkA11y(page, 'documents of a client');
  await page.goto(`${base}/t/${ids.thread}/as-client?contact=${ids.anna}`);
  await checkA11y(page, 'a thread viewed as the client');
  await page.goto(`${base}/sessions`);
  await checkA11y(page, 'your sessions');
  // Someone else's View link in this browser: "Switch person?".
  await page.goto(ctl('link', ids.thread, '--for', `contact:${ids.anna}`));
  await checkA11y(page, 'switch person');
  await page.goto(`${base}/v/not-a-valid-token`);
  await checkA11y(page, 'expired or broken link');
  await context.close();
}

async function signinPages(browser, env, errors) {
  const { base, dir } = env;
  const { context, page } = await openPage(browser, `${base}/signin`, PHONE,
    { errors, ignore: ASKED });
  await checkA11y(page, 'sign-in form');
  await page.fill('input[name=email]', 'anna@acme.example');
  await page.click('form button[type=submit]');
  await page.waitForSelector('h1');
  await checkA11y(page, 'check your email');
  const link = await waitMail(dir, (raw) => {
    const text = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    const m = text.match(/https?:\/\/127\.0\.0\.1:\d+\/s\/[A-Za-z0-9_-]+/);
    return m ? m[0] : null;
  }, 150);
  check(link !== null, 'the sign-in email came');
  if (link) {
    await page.goto(link);
    await checkA11y(page, 'sign-in link page');
  }
  const unsub = await waitMail(dir, (text) => {
    const head = text.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
    const lu = /^List-Unsubscribe:\s*<([^>]+)>/mi.exec(head);
    return lu ? lu[1] : null;
  }, 150);
  check(unsub !== null, 'an email with a List-Unsubscribe link came');
  if (unsub) {
    await page.goto(unsub);
    await checkA11y(page, 'unsubscribe page');
  }
  await context.close();
}

async function flow(browser, env) {
  const errors = [];
  await clientPages(browser, env, errors);
  await staffPages(browser, env, errors);
  await signinPages(browser, env, errors);
  noErrors(errors, 'no script or CSP errors');
}

run({ tmp: 'gw-a11y-', seed }, flow);
