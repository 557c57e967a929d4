/*
 * tasks.cjs - staff change a chat's tasks after it was created, and the
 * client sees each change live, in headless Chromium against the real
 * gatewayd.
 *
 * The client has the chat open on a phone (390px); a member, on a
 * desktop, adds a task in the staff box, changes the text of another,
 * moves one up and removes one, each with plain forms.  After each the
 * member's page confirms it (role=status, once: a reload shows no
 * confirmation and posts nothing again) and the client's page shows the
 * new checklist without a reload, with the reply being typed left alone.
 * A blank task is refused with the form shown again; the staff see who
 * made each change in notes the client never sees.  The confirmation of
 * the other actions (reply, tick, archive, reopen) is checked too.
 * Screenshots at 1280 and 390 pixels; axe-core on the pages with the
 * editor, a refused form and a confirmation.  Any script or CSP error,
 * other than the refused form's 400, fails the test.
 */
'use strict';

const { DESKTOP, PHONE, check, checkA11y, noErrors, openPage, run, seedFirm, shootWidths } =
  require('./lib.cjs');

function seed(env) {
  const { ctl } = env;
  const ids = seedFirm(ctl);
  ids.anna = ctl('contact', 'add', ids.acme, 'Anna Baker', 'anna@acme.example');
  ids.thread = ctl('thread', 'new', ids.acme, '--from', ids.member,
    '--subject', 'Year-end accounts 2026', '--body', 'Please see the checklist.',
    '--task', 'Upload the bank statements', '--task', 'Sign the engagement letter',
    '--task', 'Confirm the stock count');
  return ids;
}

const REFUSED = /status of 400/;

async function clientTasks(page) {
  return page.$$eval('#tasks .ttext', (l) => l.map((e) => e.textContent));
}

/* Wait until the client's checklist is WANT (live, no reload). */
async function seesLive(client, want, what) {
  let got = [];
  for (let i = 0; i < 60; i++) {
    got = await clientTasks(client);
    if (JSON.stringify(got) === JSON.stringify(want)) { break; }
    await client.waitForTimeout(200);
  }
  check(JSON.stringify(got) === JSON.stringify(want), `client sees live: ${what} (${got.join(' / ')})`);
}

/* The member's page after an action: the confirmation, shown once. */
async function confirmed(staff, words, what) {
  const flash = staff.locator('.flash[role=status]');
  const text = (await flash.count()) ? await flash.textContent() : '';
  check(text.includes(words), `${what}: confirmed ("${text}")`);
}

async function flow(browser, env) {
  const { ctl, ids } = env;
  const errors = [];
  const { page: client } = await openPage(browser,
    ctl('link', ids.thread, '--for', `contact:${ids.anna}`), PHONE, { errors, ignore: REFUSED });
  await client.fill('#body', 'half a reply');
  await client.evaluate(() => { window.loads = (window.loads || 0) + 1; });
  const { page: staff } = await openPage(browser,
    ctl('link', ids.thread, '--for', `staff:${ids.member}`), DESKTOP, { errors, ignore: REFUSED });
  check(await staff.isVisible('#taskedit'), 'the staff box has the task editor');
  check(!(await client.isVisible('#taskedit')), 'the client has none');
  await shootWidths(staff, 'tasks-editor', (w) => `task editor fits ${w}px`, 1600);
  await checkA11y(staff, 'staff page with the task editor');

  // add
  await staff.fill('#tasknew', 'Send the payroll summary');
  await staff.click('form.taskadd button');
  await staff.waitForSelector('.flash');
  await confirmed(staff, 'The task was added', 'add');
  await checkA11y(staff, 'staff page with a confirmation', { skipFocus: true });
  await shootWidths(staff, 'tasks-confirmed', (w) => `confirmation fits ${w}px`, 1600);
  await seesLive(client, ['Upload the bank statements', 'Sign the engagement letter',
    'Confirm the stock count', 'Send the payroll summary'], 'the added task');
  // the confirmation is shown once; a reload posts nothing again
  const before = ctl('--json', 'thread', 'show', ids.thread);
  await staff.reload();
  check((await staff.locator('.flash').count()) === 0, 'a reload shows no confirmation again');
  check(JSON.parse(ctl('--json', 'thread', 'show', ids.thread)).tasks.length ===
    JSON.parse(before).tasks.length, 'and adds nothing');

  // edit the second task
  const second = staff.locator('ol.tasklist li').nth(1);
  await second.locator('input[name=text]').fill('Sign and date the engagement letter');
  await second.locator('form.taskrow button').click();
  await staff.waitForSelector('.flash');
  await confirmed(staff, 'The task was changed', 'edit');
  await seesLive(client, ['Upload the bank statements', 'Sign and date the engagement letter',
    'Confirm the stock count', 'Send the payroll summary'], 'the new text');

  // move the last one up
  await staff.locator('ol.tasklist li').nth(3).locator('button:has-text("Up")').click();
  await staff.waitForSelector('.flash');
  await confirmed(staff, 'The task was moved', 'move');
  await seesLive(client, ['Upload the bank statements', 'Sign and date the engagement letter',
    'Send the payroll summary', 'Confirm the stock count'], 'the new order');

  check((await client.inputValue('#body')) === 'half a reply',
    'the live updates left the reply being typed alone');
  check(await client.evaluate(() => window.loads === 1), 'and did not reload the client page');

  // the client ticks one, then staff remove it: the progress follows
  await client.fill('#body', '');
  await client.click('#tasks button.tick >> nth=0');
  await client.waitForSelector('.flash');
  await confirmed(client, 'The task is marked as done', 'tick');
  await staff.reload();
  await staff.locator('ol.tasklist li').nth(0).locator('button:has-text("Remove")').click();
  await staff.waitForSelector('.flash');
  await confirmed(staff, 'The task was removed', 'remove');
  await seesLive(client, ['Sign and date the engagement letter', 'Send the payroll summary',
    'Confirm the stock count'], 'the removed task gone');
  const progress = await client.textContent('#tasks .progress');
  check(/0 of 3 done/.test(progress), `the client's progress counts again (${progress})`);

  // a blank task is refused with the form shown again
  await staff.fill('#tasknew', '    ');
  const [refused] = await Promise.all([
    staff.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/task/add')),
    staff.click('form.taskadd button')]);
  check(refused.status() === 400, `a blank task is refused (${refused.status()})`);
  await staff.waitForSelector('#taskerror');
  check(await staff.isVisible('#taskerror'), 'the error stands beside the form');
  const focused = await staff.waitForFunction(() => document.activeElement &&
    document.activeElement.id === 'tasknew', null, { timeout: 5000 }).then(() => true, () => false);
  check(focused, 'and the field has the focus');
  await checkA11y(staff, 'staff page with a refused task', { skipFocus: true });
  await shootWidths(staff, 'tasks-refused', (w) => `refused form fits ${w}px`, 1600);

  // the staff see who did what; the client does not
  await staff.goto(`${env.base}/t/${ids.thread}`);
  const notes = await staff.textContent('#timeline');
  check(/Max Member added a task/.test(notes) && /Max Member removed a task/.test(notes),
    'staff see notes naming who changed the tasks');
  check(!/added a task/.test(await client.textContent('#timeline')), 'the client sees none of them');
  await shootWidths(client, 'tasks-client', (w) => `client page fits ${w}px`);

  // the confirmation after the other actions
  for (const [button, words] of [['Archive', 'archived'], ['Reopen', 'reopened']]) {
    await staff.click(`.staffbox .actions button:has-text("${button}")`);
    await staff.waitForSelector('.flash');
    await confirmed(staff, `The chat was ${words}`, button.toLowerCase());
  }
  await staff.fill('#body', 'Thanks, all received.');
  await staff.click('#replyform button.primary');
  await staff.waitForSelector('.flash');
  await confirmed(staff, 'Your message was sent', 'reply');
  noErrors(errors, 'no script or CSP errors');
}

run({ tmp: 'gw-tasks-', seed }, flow);
