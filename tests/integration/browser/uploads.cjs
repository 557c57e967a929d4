/*
 * uploads.cjs - several files per message in headless Chromium
 * (playwright-core), against the real gatewayd with a Maildir transport
 * and small limits ([web] max_upload 200k, max_post 400k).
 *
 * A client types a reply and chooses two files, then drops a third that
 * is too large: the page names it, does not send, and keeps the text;
 * without it, text and files go as one post.  The staff member gets one
 * email for it, which (opened in the browser) lists the two files.  The
 * staff's new-chat form turns files away while several clients are
 * ticked.  Without JavaScript, a file over max_upload comes back as the
 * page with the text and the file named, and a post over max_post as a
 * page that explains the limit and leads back to the chat.  Pages are
 * checked at 1280 and 390 pixels, screenshots saved.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const { DESKTOP, PHONE, check, mails, noErrors, openPage, run, seedFirm, shootWidths, shot } =
  require('./lib.cjs');

const TEXT = 'Here are the documents you asked for';

function seed(env) {
  const { ctl } = env;
  const ids = seedFirm(ctl);
  ids.anna = ctl('contact', 'add', ids.acme, 'Anna Baker', 'anna@acme.example');
  ids.thread = ctl('thread', 'new', ids.acme, '--from', ids.member, '--show-content',
    '--subject', 'Year-end accounts 2026', '--body', 'Please send the bank statements.');
  return ids;
}

/* Small limits, so that the test files stay small. */
function before(env) {
  fs.appendFileSync(env.conf, '[web]\nmax_upload = 200k\nmax_post = 400k\n');
}

function file(name, size, fill) {
  return { name, mimeType: 'application/pdf', buffer: Buffer.alloc(size, fill) };
}

/* Quoted-printable undone, so that a mail's text can be searched. */
function unqp(text) {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g,
    (m, h) => String.fromCharCode(parseInt(h, 16)));
}

async function waitMails(dir, pred, tries = 100) {
  for (let i = 0; i < tries; i++) {
    const found = mails(dir).map(unqp).filter(pred);
    if (found.length > 0) { return found; }
    await new Promise((r) => setTimeout(r, 100));
  }
  return [];
}

async function flow(browser, env) {
  const { ctl, ids } = env;
  const ok1 = file('bank-statements.pdf', 30000, 'b');
  const ok2 = file('stock.xlsx', 20000, 's');

  // The client: two files chosen, a third too large dropped on the form.
  const { context: cctx, page, errors } = await openPage(browser,
    ctl('link', ids.thread, '--for', `contact:${ids.anna}`), DESKTOP);
  check(await page.getAttribute('#files', 'multiple') !== null, 'the file input takes several files');
  await page.fill('#body', TEXT);
  await page.setInputFiles('#files', [ok1, ok2]);
  const listed = await page.textContent('#files-list');
  check(/bank-statements\.pdf/.test(listed) && /stock\.xlsx/.test(listed), `both files listed (${listed})`);
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(300 * 1024)], 'scan-too-big.pdf', { type: 'application/pdf' }));
    const ev = new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true });
    document.getElementById('replyform').dispatchEvent(ev);
  });
  const err = await page.textContent('#files-error');
  check(/scan-too-big\.pdf/.test(err) && /200 KB/.test(err),
    `a dropped file that is too large is named with the limit (${err})`);
  check((await page.locator('#files-list li').count()) === 3, 'the dropped file joins the list');
  await page.click('#replyform button.primary');
  await page.waitForTimeout(500);
  check(/\/t\/\d+$/.test(page.url()) && (await page.inputValue('#body')) === TEXT,
    'not sent, and the typed text is still there');
  await shootWidths(page, 'uploads-too-big', (w) => `the refusal fits ${w}px without sideways scrolling`, 900);

  // Without the large file: one post with both files.
  await page.setInputFiles('#files', [ok1, ok2]);
  check(await page.isHidden('#files-error'), 'the error goes with the file');
  await Promise.all([page.waitForURL(/\/t\/\d+#reply$/), page.click('#replyform button.primary')]);
  const last = page.locator('.msg').last();
  const lastText = await last.textContent();
  check(lastText.includes(TEXT) && lastText.includes('bank-statements.pdf') && lastText.includes('stock.xlsx'),
    'text and both files are one message');
  await shootWidths(page, 'uploads-posted', (w) => `the thread with files fits ${w}px`, 900);

  // One email to the staff member for the post, listing the files.
  const toMember = await waitMails(env.dir, (m) => /^To: .*max@firm\.example/m.test(m) &&
    m.includes(TEXT.slice(0, 20)));
  const forPost = mails(env.dir).map(unqp).filter((m) => /^To: .*max@firm\.example/m.test(m) &&
    /bank-statements\.pdf|2 files/.test(m));
  check(toMember.length === 1 && forPost.length === 1, `one email to the staff member for the post (${forPost.length})`);
  if (forPost.length > 0) {
    const html = forPost[0].slice(forPost[0].indexOf('<!DOCTYPE html>'), forPost[0].lastIndexOf('</html>') + 7);
    const { context: mctx, page: mail } = await openPage(browser, null, PHONE);
    await mail.setContent(html);
    const shown = await mail.textContent('body');
    check(/2 files: bank-statements\.pdf, stock\.xlsx/.test(shown),
      `the email, opened, lists the files (${shown.replace(/\s+/g, ' ').slice(0, 160)})`);
    // (How emails fit 390 px is the email layout's own test.)
    await shot(mail, 'uploads-email-phone.png', { fullPage: true });
    await mctx.close();
  }

  // Staff: the new-chat form refuses files while several clients are ticked.
  ids.birch = ctl('account', 'add', 'Birch Joinery');
  const { context: sctx, page: staff } = await openPage(browser,
    ctl('link', ids.thread, '--for', `staff:${ids.owner}`), DESKTOP, { errors });
  await staff.goto(env.base + '/');
  await staff.click('details.newchat summary');
  check(/Files go only with a chat to one client/.test(await staff.textContent('#bulknote')),
    'the form says bulk chats carry no files before anyone tries');
  const boxes = staff.locator('input[name=account]');
  for (let i = 0; i < await boxes.count(); i++) { await boxes.nth(i).check(); }
  await staff.fill('details.newchat input[name=subject]', 'Year end');
  await staff.setInputFiles('#newfiles', [ok1]);
  check(/Files go only with a chat to one client/.test(await staff.textContent('#newfiles-error')),
    'files with several clients ticked: the page says so');
  await shootWidths(staff, 'uploads-newchat', (w) => `the new-chat form fits ${w}px`, 1400);
  noErrors(errors, 'no script or CSP errors');

  // Without JavaScript: the server's own answers.
  const nojs = await browser.newContext({ viewport: DESKTOP, javaScriptEnabled: false });
  const plain = await nojs.newPage();
  await plain.goto(ctl('link', ids.thread, '--for', `contact:${ids.anna}`));
  await plain.fill('#body', 'no script here');
  await plain.setInputFiles('#files', [file('big-scan.pdf', 300 * 1024, 'x')]);
  const [over] = await Promise.all([plain.waitForResponse((r) => r.url().includes('/reply')),
    plain.click('#replyform button.primary')]);
  await plain.waitForLoadState('load');
  check(over.status() === 413 && /big-scan\.pdf/.test(await plain.textContent('.error')) &&
    (await plain.inputValue('#body')) === 'no script here',
    `a file over max_upload: the page names it and keeps the text (${over.status()})`);
  await plain.setInputFiles('#files', [file('a.pdf', 190 * 1024, 'a'), file('b.pdf', 190 * 1024, 'b'),
    file('c.pdf', 190 * 1024, 'c')]);
  const [tooMuch] = await Promise.all([plain.waitForResponse((r) => r.url().includes('/reply')),
    plain.click('#replyform button.primary')]);
  await plain.waitForLoadState('load');
  check(tooMuch.status() === 413 && /The files are too large/.test(await plain.textContent('h1')),
    `a post over max_post: a page that explains the limit (${tooMuch.status()})`);
  const back = await plain.getAttribute('a.button', 'href');
  check(new RegExp(`^/t/${ids.thread}#reply$`).test(back), `and leads back to the chat (${back})`);
  await shootWidths(plain, 'uploads-over-limit', (w) => `the limit page fits ${w}px`);
  const posts = JSON.parse(ctl('--json', 'thread', 'show', ids.thread)).messages.length;
  check(posts === 2, `nothing refused was posted (${posts} messages)`);
  await nojs.close();
  await sctx.close();
  await cctx.close();
}

run({ tmp: 'gw-browser-uploads-', seed, before, cleanStop: true }, flow);
