/*
 * i18n.cjs - a French firm ([firm] language = fr, timezone =
 * Europe/Paris) in headless Chromium (playwright-core), against the real
 * gatewayd with a Maildir transport.
 *
 * The client's notification is in French, dates in Paris time with the
 * zone named; its "Voir la discussion" link opens the chat in French; the
 * client answers and ticks a task, and the staff email about it is in
 * French too.  The client then picks English and New York time on
 * /me/language, reached from the header: the pages follow.  An English
 * contact of the same firm gets English email with New York times.  Staff
 * read the firm's French, and English once they choose it.  Screenshots
 * of the client's and the staff's pages in both languages at 1280 and
 * 390 pixels; any script or CSP error fails the test.
 */
'use strict';

const { DESKTOP, PHONE, check, noErrors, openPage, run, seedFirm, shootWidths, waitMail } =
  require('./lib.cjs');

function seed(env) {
  const { ctl } = env;
  const ids = seedFirm(ctl);
  ids.anna = ctl('contact', 'add', ids.acme, 'Anna Baker', 'anna@acme.example');
  ids.bob = ctl('contact', 'add', ids.acme, 'Bob Jones', 'bob@acme.example');
  ctl('contact', 'language', ids.bob, '--language', 'en', '--timezone', 'America/New_York');
  ids.thread = ctl('thread', 'new', ids.acme, '--from', ids.member,
    '--subject', 'Comptes annuels 2026', '--body', 'Merci de nous envoyer les relevés bancaires.',
    '--task', 'Envoyer les relevés', '--task', 'Signer la lettre de mission', '--remind');
  return ids;
}

/* Quoted-printable as the Maildir holds it, decoded to UTF-8 text. */
function unqp(raw) {
  const bytes = [];
  const text = raw.replace(/=\r?\n/g, '');
  for (let i = 0; i < text.length; i++) {
    const m = text[i] === '=' && /^[0-9A-F]{2}$/.test(text.substr(i + 1, 2));
    if (m) {
      bytes.push(parseInt(text.substr(i + 1, 2), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/* The email to ADDRESS whose decoded text passes TEST, waited for. */
function mailTo(env, address, test, seen) {
  return waitMail(env.dir, (raw) => {
    if (!raw.includes(`<${address}>`)) { return null; }
    const text = unqp(raw);
    return test(text) ? { raw, text } : null;
  }, 150, seen);
}

async function shots(page, name) {
  await shootWidths(page, name, (width) =>
    (width === 1280 ? `${name}: fits 1280px` : `${name}: fits 390px without sideways scrolling`), 900);
}

async function flow(browser, env) {
  const { ctl, ids } = env;
  const seen = new Set();

  // The notification to Anna: the firm's language and zone.
  const mail = await mailTo(env, 'anna@acme.example', (t) => /Bonjour Anna/.test(t), seen);
  check(mail !== null, 'the client gets the notification email');
  if (mail === null) { return; }
  check(/Max Member de Example & Partners vous a écrit un nouveau message dans "Comptes annuels 2026"/.test(mail.text),
    'the email says who wrote, in French');
  check(/Subject: Comptes annuels 2026/.test(mail.raw), 'the subject staff wrote is not translated');
  check(/\nDate: [A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000\r?\n/.test(mail.raw),
    'the Date header stays RFC 5322');
  check(/Le lien est valable jusqu’au \d{1,2} [a-zéû]+\.? \d{4}, \d\d:\d\d UTC\+[12]\./.test(mail.text),
    'the link expiry is in Paris time, in French, with the zone named');
  check(/Vos tâches \(2 sur 2 à faire\) :/.test(mail.text), 'the tasks are announced in French');
  check(/<html lang="fr">/.test(mail.text), 'the HTML part says it is French');
  const link = (mail.text.match(/Voir la discussion : (http:\/\/127\.0\.0\.1:\d+\/v\/[A-Za-z0-9_-]+)/) || [])[1];
  check(Boolean(link), 'the email carries the "Voir la discussion" link');

  // Bob reads English, in New York time.
  const bobMail = await mailTo(env, 'bob@acme.example', (t) => /Hello Bob/.test(t), seen);
  check(bobMail !== null && /wrote you a new message in "Comptes annuels 2026"/.test(bobMail.text),
    'an English contact of the French firm gets English email');
  check(bobMail !== null && /The link works until [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d\s?[AP]M E[SD]T\./.test(bobMail.text),
    'in New York time, the zone named');

  // Anna opens the chat: French, Paris time.
  const { context: clientCtx, page: client, errors } = await openPage(browser, link, PHONE);
  check((await client.getAttribute('html', 'lang')) === 'fr', 'the page is French (lang="fr")');
  check(await client.isVisible('text=Toutes les discussions'), 'the back link is French');
  check(await client.isVisible('h2:has-text("Vos tâches")'), 'the tasks are French');
  check(await client.isVisible('button:has-text("Envoyer")'), 'the reply button is French');
  const bell = await client.textContent('#bell');
  check(/Les rappels s’arrêtent quand vous répondez, ou quand toutes vos tâches sont faites et que tous les messages sont lus\./.test(bell),
    'the reminder banner says in French what stops the reminders');
  check(/Reste à faire : 2 tâches à faire/.test(bell), 'and what is left, in French');
  check(!/Les rappels sont activés|Reminders are on/.test(await client.textContent('#timeline')),
    'the reminders note is for staff only');
  const when = await client.textContent('#timeline time');
  check(/^\d{1,2} [a-zéû]+\.? 2026, \d\d:\d\d$/.test(when.trim()),
    `times are French and in the firm's zone, not named (${when.trim()})`);
  await shots(client, 'i18n-client-fr');

  // She ticks a task and answers; the staff email is French too.
  await Promise.all([client.waitForNavigation(), client.click('#tasks button.tick >> nth=0')]);
  await client.fill('#body', 'Voici les relevés, bonne journée.');
  await Promise.all([client.waitForNavigation(), client.click('#replyform button.primary')]);
  check(await client.isVisible('text=Voici les relevés, bonne journée.'), 'the answer is posted');
  const staffMail = await mailTo(env, 'max@firm.example', (t) => /a répondu dans/.test(t), seen);
  check(staffMail !== null && /Anna Baker \(Acme Bakery Ltd\) a répondu dans "Comptes annuels 2026"/.test(staffMail.text),
    'the staff email about her answer is in the firm\'s French');
  check(staffMail !== null && /Subject: \[Acme Bakery Ltd\] Comptes annuels 2026/.test(staffMail.raw),
    'the staff subject keeps the account and the subject as written');

  // She chooses English and New York time from the header.
  await client.click('header a.lang');
  check((await client.textContent('h1')).trim() === 'Langue et fuseau horaire',
    'the header leads to the language page');
  await shots(client, 'i18n-language-fr');
  await client.selectOption('select[name=language]', 'en');
  await client.fill('input[name=timezone]', 'America/New_York');
  await Promise.all([client.waitForNavigation(), client.click('form button.primary')]);
  check(/Saved\. Pages and emails to you now use these settings\./.test(await client.textContent('main')),
    'saved, said in her new language');
  await client.goto(`${env.base}/t/${ids.thread}`);
  check((await client.getAttribute('html', 'lang')) === 'en', 'the page is now English');
  check(await client.isVisible('h2:has-text("Your tasks")'), 'the tasks are English');
  const whenEn = (await client.textContent('#timeline time')).trim();
  check(/^[A-Z][a-z]{2} \d{1,2}, 2026, \d{1,2}:\d\d\s[AP]M E[SD]T$/.test(whenEn),
    `times in New York time, the zone named as it is not the firm's (${whenEn})`);
  await shots(client, 'i18n-client-en');

  // Staff: the firm's French until they choose English.
  const { context: staffCtx, page: staff } = await openPage(browser,
    ctl('link', ids.thread, '--for', `staff:${ids.member}`), DESKTOP, { errors });
  check(await staff.isVisible('h2:has-text("Réglages de la discussion")'), 'the staff box is French');
  check(await staff.isVisible('text=Voici les relevés, bonne journée.'), 'staff see her answer as she wrote it');
  check(/Les rappels sont activés : si le client ne répond pas/.test(await staff.textContent('#timeline')),
    'staff read the reminders note in the firm\'s French');
  await shots(staff, 'i18n-staff-fr');
  ctl('staff', 'language', ids.member, '--language', 'en');
  await staff.reload();
  check(await staff.isVisible('h2:has-text("Thread settings")'), 'the staff box in English once chosen');
  check(/Reminders are on: if the client does not answer/.test(await staff.textContent('#timeline')),
    'the same note, in English once chosen');
  await shots(staff, 'i18n-staff-en');

  noErrors(errors, 'no script or CSP errors');
  await clientCtx.close();
  await staffCtx.close();
}

run({ tmp: 'gw-i18n-', seed, conf: ['[firm]', 'language = fr', 'timezone = Europe/Paris'] }, flow);
