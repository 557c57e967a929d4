/*
 * gatewayd web view: the little the pages need JavaScript for.  Everything
 * works without it; this adds local times, the read beacon (sent only when
 * the page is visible), live updates over server-sent events, a warning
 * before leaving a page with an unsent reply, several files chosen or
 * dropped and checked against the limits before they are sent and, for
 * staff, suggestions of colleagues' names after "@" (the server reads
 * mentions either way).
 */
(function () {
  'use strict';

  function localTimes(root) {
    var list = root.querySelectorAll('time[datetime]');
    for (var i = 0; i < list.length; i++) {
      var d = new Date(list[i].getAttribute('datetime'));
      if (!isNaN(d.getTime())) {
        list[i].textContent = d.toLocaleString(undefined, {
          day: 'numeric', month: 'short', year: 'numeric',
          hour: '2-digit', minute: '2-digit'
        });
      }
    }
  }

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

  function refresh() {
    var stick = nearBottom();
    fetch(location.pathname, { credentials: 'same-origin' }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (!html) { return; }
      var doc = new DOMParser().parseFromString(html, 'text/html');
      ['bell', 'tasks', 'timeline'].forEach(function (id) {
        var mine = document.getElementById(id), fresh = doc.getElementById(id);
        if (mine && fresh) { mine.replaceWith(document.adoptNode(fresh)); }
      });
      var old = document.getElementById('markread');
      var fresh = doc.getElementById('markread');
      if (old) { old.remove(); }
      if (fresh) { document.getElementById('timeline').after(document.adoptNode(fresh)); }
      localTimes(document);
      markRead();
      if (stick) { window.scrollTo(0, document.body.scrollHeight); }
    }).catch(function () {});
  }

  function live() {
    var thread = document.getElementById('thread');
    if (!thread || !window.EventSource) { return; }
    var es = new EventSource(thread.getAttribute('data-events'));
    es.addEventListener('change', refresh);
    window.addEventListener('pagehide', function () { es.close(); });
  }

  function guardReply() {
    var form = document.getElementById('replyform');
    if (!form) { return; }
    var text = form.querySelector('textarea');
    var file = form.querySelector('input[type=file]');
    var sending = false;
    form.addEventListener('submit', function () { sending = true; });
    window.addEventListener('beforeunload', function (e) {
      var unsent = (text && text.value.trim() !== '') || (file && file.files.length > 0);
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
          note.textContent = 'not on this account';
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
    var input = drop.querySelector('input[type=file]');
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
    function problem() {
      var files = input.files, total = 0, i;
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
      var files = input.files, i, li, why = problem();
      list.textContent = '';
      for (i = 0; i < files.length; i++) {
        li = document.createElement('li');
        li.textContent = files[i].name + ' (' + sizeText(files[i].size) + ')';
        list.appendChild(li);
      }
      span.textContent = files.length === 0 ? drop.getAttribute('data-none')
        : files.length === 1 ? files[0].name : fill(drop.getAttribute('data-some'), files.length);
      drop.querySelector('.attach').classList.toggle('chosen', files.length > 0);
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

  localTimes(document);
  mentions();
  Array.prototype.forEach.call(document.querySelectorAll('.drop'), uploads);
  guardReply();
  markRead();
  document.addEventListener('visibilitychange', markRead);
  live();
  firstUnread();
}());
