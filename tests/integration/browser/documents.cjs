/*
 * documents.cjs - documents in headless Chromium (playwright-core) against
 * the real gatewayd.
 *
 * The client sends a zip (made here with Python's zipfile) with a
 * message: the chat shows its files grouped by folder.  A zip with "../"
 * is refused with the reason and the typed text kept.  The client then
 * uploads a folder through the folder input: its files keep their paths.
 * The Documents page lists every file by folder with who sent it; the
 * "Download all" zip is saved, unzipped here and compared with what was
 * sent, file by file; staff see the account's Documents page (which files
 * of internal notes a client never sees is test_web_documents').  A
 * YouTube link shows a player: no request goes to
 * any video host before the click (every request is logged), one goes to
 * the player's host after it.  Pages are checked at 1280 and 390 pixels
 * and screenshots saved into SCREENSHOT_DIR.  Any script or CSP error,
 * other than the refused post's 400, fails the test.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { DESKTOP, check, noErrors, openPage, run, seedFirm, shootWidths } = require('./lib.cjs');

const FILES = {
  'summary.txt': 'Totals for 2026\n',
  'scans/page 1.pdf': '%PDF-1.4 first page',
  'scans/page 2.pdf': '%PDF-1.4 second page',
};
const FOLDER = {
  'receipts/2026/march.txt': 'March receipts\n',
  'receipts/notes.txt': 'See the March folder\n',
};

/* A zip at FILE of ENTRIES (name: text), written by Python's zipfile. */
function makeZip(file, entries) {
  execFileSync('python3', ['-c', `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    for name, text in json.loads(sys.argv[2]).items():
        z.writestr(name, text)
`, file, JSON.stringify(entries)]);
}

/* name: text of every file in the zip at FILE. */
function readZip(file) {
  return JSON.parse(execFileSync('python3', ['-c', `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    print(json.dumps({n: z.read(n).decode() for n in z.namelist()}))
`, file]).toString());
}

function seed(env) {
  const { ctl } = env;
  const ids = seedFirm(ctl);
  ids.anna = ctl('contact', 'add', ids.acme, 'Anna Baker', 'anna@acme.example');
  ids.thread = ctl('thread', 'new', ids.acme, '--from', ids.member,
    '--subject', 'Year-end accounts 2026', '--body', 'Please send the year\'s papers.');
  ctl('message', 'post', ids.thread, '--from', `staff:${ids.member}`, '--internal',
    '--body', 'Staff only: checked the bank file');
  return ids;
}

async function shots(page, name) {
  await shootWidths(page, name, (width) =>
    (width === 1280 ? `${name}: fits 1280px` : `${name}: fits 390px without sideways scrolling`), 900);
}

async function send(page, text, files) {
  await page.fill('#body', text);
  for (const [sel, value] of files) { await page.setInputFiles(sel, value); }
  await Promise.all([page.waitForNavigation(), page.click('#replyform button.primary')]);
}

async function flow(browser, env) {
  const { ctl, ids, dir } = env;
  const videoHits = [];
  const { context, page, errors } = await openPage(browser,
    ctl('link', ids.thread, '--for', `contact:${ids.anna}`), DESKTOP,
    { ignore: /status of 400/ });
  // Every request to a video host is logged (and answered here: no network).
  await context.route(/youtube|ytimg|vimeo|loom\.com|drive\.google/, (route) => {
    videoHits.push(route.request().url());
    route.fulfill({ status: 200, contentType: 'text/html', body: '<p>player</p>' });
  });

  // A zip: unpacked into its folders, under one named after the zip.
  const zip = path.join(dir, 'Papers 2026.zip');
  makeZip(zip, FILES);
  await send(page, 'Here are the papers', [['input[name=file]', zip]]);
  const groups = await page.locator('#timeline .fgroup .folder span').allTextContents();
  check(groups.includes('Papers 2026') && groups.includes('Papers 2026/scans'),
    `the zip's files are grouped by folder (${groups.join(', ')})`);
  check(await page.locator('#timeline a.file:has-text("page 2.pdf")').count() === 1,
    'a file from the zip is in the chat');
  await shots(page, 'documents-zip-chat');

  // A zip that climbs out of itself: refused, the text kept, nothing stored.
  const bad = path.join(dir, 'bad.zip');
  makeZip(bad, { '../../evil.txt': 'x' });
  await page.fill('#body', 'This one is wrong');
  await page.setInputFiles('input[name=file]', bad);
  await Promise.all([page.waitForNavigation(), page.click('#replyform button.primary')]);
  check((await page.locator('.error[role=alert]').textContent()).includes('goes up a folder'),
    'a zip with "../" is refused with the reason');
  check(await page.inputValue('#body') === 'This one is wrong', 'the typed text is kept');
  await page.goto(`${env.base}/t/${ids.thread}`);
  check(await page.locator('text=evil.txt').count() === 0, 'nothing of the refused zip is stored');

  // A folder: its files keep their relative paths.
  const folder = path.join(dir, 'receipts');
  for (const [name, text] of Object.entries(FOLDER)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  await send(page, 'And the receipts folder', [['input[name=folder]', folder]]);
  const fgroups = await page.locator('#timeline .fgroup .folder span').allTextContents();
  check(fgroups.includes('receipts') && fgroups.includes('receipts/2026'),
    `the folder's files keep their paths (${fgroups.join(', ')})`);

  // The Documents page: grouped by folder, who sent each; no note's file.
  await page.click('a.doclink:has-text("Documents")');
  const headings = await page.locator('.documents h2.folder span').allTextContents();
  check(JSON.stringify(headings) === JSON.stringify(
    ['Papers 2026', 'Papers 2026/scans', 'receipts', 'receipts/2026']),
    `the Documents page groups by folder (${headings.join(', ')})`);
  check(await page.locator('.docmeta:has-text("Anna Baker")').count() === 5,
    'each file says who sent it');
  await shots(page, 'documents-thread');

  // Download all: the zip holds exactly what was sent.
  const [download] = await Promise.all([page.waitForEvent('download'),
    page.click('a:has-text("Download all as a zip file")')]);
  const saved = path.join(dir, 'all.zip');
  await download.saveAs(saved);
  const got = readZip(saved);
  const want = {};
  for (const [n, t] of Object.entries(FILES)) { want[`Papers 2026/${n}`] = t; }
  for (const [n, t] of Object.entries(FOLDER)) { want[n] = t; }
  const same = Object.keys(want).length === Object.keys(got).length &&
    Object.entries(want).every(([n, t]) => got[n] === t);
  check(same, `the downloaded zip unzips to the files sent (${Object.keys(got).join(', ')})`);

  // The client's account Documents page, from the home page.
  await page.goto(`${env.base}/`);
  await page.click('a:has-text("Your documents")');
  check(await page.locator('.docname').count() === 5, 'the client\'s Documents page lists 5 files');
  await shots(page, 'documents-account');

  // A video link: a player, and no request to the host until the click.
  await page.goto(`${env.base}/t/${ids.thread}`);
  await send(page, 'The walkthrough: https://www.youtube.com/watch?v=dQw4w9WgXcQ', []);
  const player = page.locator('.vplayer.ready').first();
  check(await player.count() === 1, 'a YouTube link shows a player');
  await page.waitForTimeout(500);
  check(videoHits.length === 0, `no request to a video host before the click (${videoHits.join(' ')})`);
  await player.scrollIntoViewIfNeeded();
  await shots(page, 'documents-video');
  await player.locator('button.vplay').click();
  await page.waitForSelector('.vplayer.playing iframe');
  await page.waitForTimeout(500);
  check(videoHits.some((u) => u.startsWith('https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ')),
    `the click loads the player from its host (${videoHits.join(' ')})`);
  noErrors(errors, 'no script or CSP errors on the client\'s pages');
  await context.close();

  // Staff: the account's Documents page, from the thread's header.
  const { context: sc, page: staff, errors: serr } = await openPage(browser,
    ctl('link', ids.thread, '--for', `staff:${ids.member}`), DESKTOP);
  await staff.click('a.doclink:has-text("All documents of this account")');
  check(await staff.locator('.docname').count() === 5, 'staff see the account\'s documents');
  await shots(staff, 'documents-staff-account');
  noErrors(serr, 'no script or CSP errors on the staff pages');
  await sc.close();
}

run({ tmp: 'gw-documents-', seed }, flow);
