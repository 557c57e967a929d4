/*
 * gatewayd web view: the little the pages need JavaScript for.  Everything
 * works without it; this adds the read beacon (sent only when
 * the page is visible), live updates over server-sent events (said in a
 * polite live region, the focus left where it is), a warning
 * before leaving a page with an unsent reply, several files (or a
 * folder) chosen or dropped and checked against the limits before they
 * are sent and, for staff, suggestions of colleagues' names after "@"
 * (the server reads mentions either way), the click-to-load video players
 * (nothing is fetched from a video's host before the click; without this
 * script the link stays a link), the inbox count in the header kept live
 * (its sentence goes to a polite live region: heard, and the focus stays
 * where it is), buttons that insert a shortcode at the cursor, and a
 * template that fills the new-chat form as soon as it is chosen (without
 * JavaScript, the "Use template" button does it on the server).
 */
(function () {
  'use strict';

  function post(form, extra) {
    var data = new URLSearchParams(new FormData(form));
    if (extra) { data.append(extra, '1'); }
    return fetch(form.action, {
      method: 'POST', body: data, credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' }
    });
  }

  /* Read marks are never set by loading a page, only once it is seen. */
  function markRead() {
    var f = document.getElementById('markread');
    if (!f || document.visibilityState !== 'visible') { return; }
    f.removeAttribute('id');
    f.hidden = true;
    post(f, 'js').catch(function () { f.hidden = false; f.id = 'markread'; });
  }

  function nearBottom() {
    return window.innerHeight + window.scrollY >= document.body.scrollHeight - 200;
  }

  function playerKey(box) {
    var msg = box.closest('[id]');
    return (msg ? msg.id : '') + ' ' + box.getAttribute('data-src');
  }

  function play(e) {
    var button = e.currentTarget, box = button.closest('.vplayer');
    var f = document.createElement('iframe');
    f.src = box.getAttribute('data-src');
    f.title = button.textContent;
    f.setAttribute('allow', 'fullscreen; picture-in-picture; encrypted-media');
    f.setAttribute('allowfullscreen', '');
    f.setAttribute('referrerpolicy', 'strict-origin-when-cross-origin');
    f.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-presentation allow-popups');
    box.textContent = '';
    box.appendChild(f);
    box.classList.add('playing');
    f.focus();
  }

  /* Show the play buttons of the players this page may frame (the
   * server's data-frames, the hosts its Content-Security-Policy allows). */
  function players(root) {
    var frames = (document.documentElement.getAttribute('data-frames') || '').split(' ');
    var list = root.querySelectorAll('.vplayer:not(.ready):not(.playing)');
    for (var i = 0; i < list.length; i++) {
      var box = list[i];
      if (frames.indexOf(box.getAttribute('data-host')) < 0) { continue; }
      var button = document.createElement('button'), hint = document.createElement('p');
      button.type = 'button';
      button.className = 'vplay';
      button.innerHTML = '<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true">' +
        '<path d="M8 5v14l11-7z"/></svg>';
      button.appendChild(document.createTextNode(box.getAttribute('data-label')));
      button.addEventListener('click', play);
      hint.className = 'vhint';
      hint.textContent = box.getAttribute('data-hint');
      box.textContent = '';
      box.appendChild(button);
      box.appendChild(hint);
      box.classList.add('ready');
    }
  }

  /* Say what changed in the polite live region (#live), without moving
   * the focus: emptied first, so that the same words are said again. */
  function announce(key) {
    var live = document.getElementById('live');
    if (!live || !key) { return; }
    var words = live.getAttribute('data-' + key);
    live.textContent = '';
    setTimeout(function () { live.textContent = words; }, 50);
  }

  function refresh() {
    var stick = nearBottom();
    var playing = {};
    document.querySelectorAll('.vplayer.playing').forEach(function (box) {
      playing[playerKey(box)] = box;
    });
    fetch(location.pathname, { credentials: 'same-origin' }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (!html) { return; }
      var doc = new DOMParser().parseFromString(html, 'text/html');
      var said = null;
      ['bell', 'tasks', 'timeline'].forEach(function (id) {
        var mine = document.getElementById(id), fresh = doc.getElementById(id);
        if (!mine || !fresh) { return; }
        if (mine.innerHTML === fresh.innerHTML) { return; }
        if (id === 'tasks') { said = said || 'tasks'; }
        if (id === 'timeline' &&
            fresh.querySelectorAll('.msg').length > mine.querySelectorAll('.msg').length) {
          said = 'messages';
        }
        /* A tick button that had the focus gets it back in the new copy. */
        var focused = document.activeElement, key = null;
        if (focused && mine.contains(focused)) { key = focused.getAttribute('data-task'); }
        mine.replaceWith(document.adoptNode(fresh));
        if (key) {
          var again = fresh.querySelector('[data-task="' + key + '"]');
          if (again) { again.focus({ preventScroll: true }); }
        }
      });
      var old = document.getElementById('markread');
      var fresh = doc.getElementById('markread');
      if (old) { old.remove(); }
      if (fresh) { document.getElementById('timeline').after(document.adoptNode(fresh)); }
      /* A video being watched keeps playing. */
      document.querySelectorAll('.vplayer').forEach(function (box) {
        var old = playing[playerKey(box)];
        if (old) { box.replaceWith(old); }
      });
      players(document);
      markRead();
      announce(said || 'changed');
      if (stick && said === 'messages') { window.scrollTo(0, document.body.scrollHeight); }
    }).catch(function () {});
  }

  function live() {
    var thread = document.getElementById('thread');
    if (!thread || !window.EventSource) { return null; }
    var es = new EventSource(thread.getAttribute('data-events'));
    es.addEventListener('change', refresh);
    window.addEventListener('pagehide', function () { es.close(); });
    return es;
  }

  /* The header count: on a thread page its stream brings the inbox's
   * events too (one connection per tab), elsewhere /inbox/events does. */
  function inboxCount(threadStream) {
    var link = document.querySelector('.inboxlink[data-events]');
    var badge = document.getElementById('inboxcount');
    var say = document.getElementById('inboxlive');
    if (!link || !badge || !window.EventSource) { return; }
    var es = threadStream || new EventSource(link.getAttribute('data-events'));
    es.addEventListener('inbox', function (e) {
      var nl = e.data.indexOf('\n');
      var count = nl < 0 ? e.data : e.data.slice(0, nl);
      var text = nl < 0 ? '' : e.data.slice(nl + 1);
      if (badge.textContent === count) { return; }
      badge.textContent = count;
      badge.classList.toggle('zero', count === '0');
      var sr = link.querySelector('.sr');
      if (sr && text) { sr.textContent = ' ' + text; }
      if (say && text) { say.textContent = text; }
    });
    if (!threadStream) {
      window.addEventListener('pagehide', function () { es.close(); });
    }
  }

  function guardReply() {
    var form = document.getElementById('replyform');
    if (!form) { return; }
    var text = form.querySelector('textarea');
    var files = form.querySelectorAll('input[type=file]');
    var sending = false;
    form.addEventListener('submit', function () { sending = true; });
    window.addEventListener('beforeunload', function (e) {
      var unsent = text && text.value.trim() !== '';
      files.forEach(function (f) { unsent = unsent || f.files.length > 0; });
      if (!sending && unsent) { e.preventDefault(); e.returnValue = ''; return ''; }
    });
    if (text) {
      text.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { form.requestSubmit(); }
      });
    }
  }

  /* "@" followed by what is typed up to the caret: the names that fit,
   * from the page's #mentionlist (colleagues; data-sees="0" for those
   * who cannot see the account, which the server refuses to mention). */
  function mentions() {
    var text = document.querySelector('textarea[data-mentions]');
    var list = text && document.getElementById(text.getAttribute('data-mentions'));
    if (!list) { return; }
    var people = Array.prototype.map.call(list.options, function (o) {
      return { name: o.value, sees: o.getAttribute('data-sees') === '1' };
    });
    var box = document.createElement('div');
    box.className = 'mentionbox';
    text.parentNode.insertBefore(box, text.nextSibling);
    var menu = document.createElement('ul');
    menu.className = 'mentionmenu';
    menu.id = 'mentionmenu';
    menu.setAttribute('role', 'listbox');
    menu.hidden = true;
    box.appendChild(menu);
    text.setAttribute('aria-controls', 'mentionmenu');
    text.setAttribute('aria-autocomplete', 'list');
    var at = -1, shown = [], sel = 0;

    function close() { menu.hidden = true; at = -1; shown = []; }
    function query() {
      var upto = text.value.slice(0, text.selectionStart);
      var i = upto.lastIndexOf('@');
      if (i < 0 || (i > 0 && /[\w\\-]/.test(upto.charAt(i - 1)))) { return null; }
      var q = upto.slice(i + 1);
      if (q.length > 40 || /[\n@]/.test(q)) { return null; }
      return { at: i, q: q.toLowerCase() };
    }
    function fits(p, q) {
      var n = p.name.toLowerCase();
      return n.indexOf(q) === 0 || n.split(/\s+/).some(function (w) { return w.indexOf(q) === 0; });
    }
    function draw() {
      menu.textContent = '';
      shown.forEach(function (p, k) {
        var li = document.createElement('li');
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', k === sel ? 'true' : 'false');
        li.textContent = p.name;
        if (!p.sees) {
          var note = document.createElement('span');
          note.className = 'muted';
          note.textContent = list.getAttribute('data-not-here') || '';
          li.appendChild(note);
        }
        li.addEventListener('mousedown', function (e) { e.preventDefault(); pick(k); });
        menu.appendChild(li);
      });
      menu.hidden = shown.length === 0;
    }
    function pick(k) {
      var p = shown[k], end = text.selectionStart;
      if (!p || at < 0) { return; }
      var insert = '@' + p.name + ' ';
      text.value = text.value.slice(0, at) + insert + text.value.slice(end);
      var caret = at + insert.length;
      text.setSelectionRange(caret, caret);
      close();
      text.focus();
    }
    text.addEventListener('input', function () {
      var q = query();
      if (!q) { close(); return; }
      at = q.at;
      shown = people.filter(function (p) { return fits(p, q.q); }).slice(0, 8);
      sel = 0;
      draw();
    });
    text.addEventListener('keydown', function (e) {
      if (menu.hidden) { return; }
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        sel = (sel + (e.key === 'ArrowDown' ? 1 : shown.length - 1)) % shown.length;
        draw();
        e.preventDefault();
      } else if (e.key === 'Enter' || e.key === 'Tab') {
        pick(sel);
        e.preventDefault();
        e.stopImmediatePropagation();
      } else if (e.key === 'Escape') {
        close();
        e.preventDefault();
      }
    });
    text.addEventListener('blur', close);
  }

  /* "Insert" buttons of the shortcode lists: the code at the cursor. */
  function shortcodes() {
    var list = document.querySelectorAll('button.sc[data-code]');
    for (var i = 0; i < list.length; i++) {
      list[i].hidden = false;
      list[i].addEventListener('click', function (e) {
        var b = e.currentTarget;
        var f = document.getElementById(b.getAttribute('data-target'));
        if (!f) { return; }
        var code = b.getAttribute('data-code');
        var at = typeof f.selectionStart === 'number' ? f.selectionStart : f.value.length;
        var end = typeof f.selectionEnd === 'number' ? f.selectionEnd : at;
        f.value = f.value.slice(0, at) + code + f.value.slice(end);
        f.focus();
        f.setSelectionRange(at + code.length, at + code.length);
        f.dispatchEvent(new Event('input', { bubbles: true }));
      });
    }
  }

  /* Choosing a template fills subject, message and tasks for editing; the
   * server then sends what the fields hold. */
  function templates() {
    var sel = document.getElementById('template');
    if (!sel) { return; }
    var use = sel.form ? sel.form.querySelector('button.usetpl') : null;
    if (use) { use.hidden = true; }
    sel.addEventListener('change', function () {
      var o = sel.options[sel.selectedIndex];
      if (!o || !o.value) { return; }
      var fields = { subject: 'data-subject', body: 'data-body', tasks: 'data-tasks' };
      for (var id in fields) {
        var f = document.getElementById(id);
        if (f) { f.value = o.getAttribute(fields[id]) || ''; }
      }
    });
  }

  /* Files of a post (.drop, from web_render_attach): chosen several at a
   * time or dropped on the form, listed, and checked against the limits
   * in the data-* attributes before the body is sent, so that a file that
   * is too large is named while the typed text stays on the page.  The
   * server checks the same limits again. */
  function fill(tmpl, a, b) {
    var i = 0, args = [a, b];
    return tmpl.replace(/%s/g, function () { return String(args[i++]); });
  }
  function sizeText(n) {
    if (n >= 1048576) { return (Math.round(n / 104857.6) / 10) + ' MB'; }
    if (n >= 1024) { return Math.ceil(n / 1024) + ' KB'; }
    return n + ' bytes';
  }
  function uploads(drop) {
    var form = drop.closest('form');
    var input = drop.querySelector('input[name=file]');
    var folder = drop.querySelector('input[name=folder]');
    var list = drop.querySelector('.chosenlist');
    var error = drop.querySelector('.uploaderror');
    var span = drop.querySelector('.attach span');
    var maxFile = +drop.getAttribute('data-max-upload');
    var maxPost = +drop.getAttribute('data-max-post');
    var maxFiles = +drop.getAttribute('data-max-files');
    if (!form || !input) { return; }

    function bulk() {
      return form.querySelectorAll('input[name=account]:checked').length > 1;
    }
    /* The files chosen and the folder's files: one post. */
    function chosen() {
      var all = Array.prototype.slice.call(input.files);
      return folder ? all.concat(Array.prototype.slice.call(folder.files)) : all;
    }
    function problem() {
      var files = chosen(), total = 0, i;
      if (files.length > maxFiles) { return fill(drop.getAttribute('data-too-many'), maxFiles); }
      for (i = 0; i < files.length; i++) {
        if (files[i].size === 0) { return fill(drop.getAttribute('data-empty'), files[i].name); }
        if (files[i].size > maxFile) {
          return fill(drop.getAttribute('data-too-big'), files[i].name, sizeText(maxFile));
        }
        total += files[i].size;
      }
      var text = form.querySelectorAll('textarea, input:not([type=file])');
      for (i = 0; i < text.length; i++) { total += (text[i].value || '').length; }
      if (total > maxPost) { return fill(drop.getAttribute('data-too-much'), sizeText(maxPost)); }
      if (files.length > 0 && bulk()) {
        var note = document.getElementById('bulknote');
        return note ? note.textContent : '';
      }
      return null;
    }
    function show() {
      var files = chosen(), i, li, why = problem();
      list.textContent = '';
      for (i = 0; i < files.length; i++) {
        li = document.createElement('li');
        li.textContent = (files[i].webkitRelativePath || files[i].name) +
          ' (' + sizeText(files[i].size) + ')';
        list.appendChild(li);
      }
      span.textContent = files.length === 0 ? drop.getAttribute('data-none')
        : files.length === 1 ? files[0].name : fill(drop.getAttribute('data-some'), files.length);
      drop.querySelector('.attach').classList.toggle('chosen', input.files.length > 0);
      if (folder) { folder.parentNode.classList.toggle('chosen', folder.files.length > 0); }
      error.textContent = why || '';
      error.hidden = !why;
      input.setAttribute('aria-invalid', why ? 'true' : 'false');
      return why;
    }
    function add(more) {
      if (!more || more.length === 0 || !window.DataTransfer) { return; }
      var dt = new DataTransfer(), i;
      for (i = 0; i < input.files.length; i++) { dt.items.add(input.files[i]); }
      for (i = 0; i < more.length; i++) { dt.items.add(more[i]); }
      input.files = dt.files;
      show();
    }
    input.addEventListener('change', show);
    if (folder) { folder.addEventListener('change', show); }
    form.addEventListener('dragover', function (e) {
      if (e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types, 'Files') >= 0) {
        e.preventDefault();
        drop.classList.add('over');
      }
    });
    form.addEventListener('dragleave', function (e) {
      if (e.target === form || !form.contains(e.relatedTarget)) { drop.classList.remove('over'); }
    });
    form.addEventListener('drop', function (e) {
      if (!e.dataTransfer || e.dataTransfer.files.length === 0) { return; }
      e.preventDefault();
      drop.classList.remove('over');
      add(e.dataTransfer.files);
    });
    form.addEventListener('change', function (e) {
      if (e.target.name === 'account') { show(); }
    });
    form.addEventListener('submit', function (e) {
      if (show()) {
        e.preventDefault();
        e.stopImmediatePropagation();
        input.focus();
      }
    }, true);
  }

  function firstUnread() {
    if (location.hash) { return; }
    var d = document.querySelector('.divider') || document.querySelector('.msg.unread');
    if (d) { d.scrollIntoView({ block: 'center' }); }
  }

  /* The new-chat form's client picker and the accounts page: filter as
   * one types, and tick every client shown.  Without script the same
   * buttons post the form to /new/pick and the server narrows it. */
  function fold(s) {
    return s.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  }

  function picker() {
    var box = document.querySelector('[data-picker]');
    var input = box && box.querySelector('#pick');
    if (!input) { return; }
    var labels = box.querySelectorAll('.accounts label');
    var count = box.querySelector('.pickcount');
    var go = box.querySelector('button[name=pick_go]');
    var all = box.querySelector('button[name=pick_all]');
    function apply() {
      var q = fold(input.value.trim()), shown = 0, chosen = 0;
      for (var i = 0; i < labels.length; i++) {
        var hit = !q || fold(labels[i].textContent).indexOf(q) >= 0;
        labels[i].hidden = !hit;
        shown += hit ? 1 : 0;
        chosen += labels[i].querySelector('input').checked ? 1 : 0;
      }
      if (count) {
        count.textContent = count.getAttribute('data-words') ?
          count.getAttribute('data-words').replace('%1$zu', shown)
            .replace('%2$zu', labels.length).replace('%3$zu', chosen) :
          shown + ' / ' + labels.length + ' \u00b7 ' + chosen + ' \u2713';
      }
    }
    input.addEventListener('input', apply);
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') { e.preventDefault(); apply(); }
    });
    box.addEventListener('change', apply);
    if (go) { go.hidden = true; }
    if (all) {
      all.addEventListener('click', function (e) {
        e.preventDefault();
        for (var i = 0; i < labels.length; i++) {
          if (!labels[i].hidden) { labels[i].querySelector('input').checked = true; }
        }
        apply();
      });
    }
  }

  function listFilter() {
    var input = document.querySelector('input[data-filter]');
    var list = input && document.getElementById(input.getAttribute('data-filter'));
    if (!list) { return; }
    input.addEventListener('input', function () {
      var q = fold(input.value.trim()), items = list.children;
      for (var i = 0; i < items.length; i++) {
        items[i].hidden = !!q && fold(items[i].querySelector('.subject').textContent).indexOf(q) < 0;
      }
    });
  }

  players(document);
  shortcodes();
  templates();
  mentions();
  Array.prototype.forEach.call(document.querySelectorAll('.drop'), uploads);
  guardReply();
  markRead();
  document.addEventListener('visibilitychange', markRead);
  inboxCount(live());
  firstUnread();
  picker();
  listFilter();
}());
