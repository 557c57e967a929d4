/*
 * gatewayd web view: the little the pages need JavaScript for.  Everything
 * works without it; this adds the read beacon (sent only when
 * the page is visible), live updates over server-sent events, a warning
 * before leaving a page with an unsent reply and, for staff, suggestions
 * of colleagues' names after "@" (the server reads mentions either way).
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
    if (file) {
      file.addEventListener('change', function () {
        var label = file.parentNode, span = label.querySelector('span');
        var chosen = file.files.length > 0;
        label.classList.toggle('chosen', chosen);
        if (!span.hasAttribute('data-empty')) { span.setAttribute('data-empty', span.textContent); }
        span.textContent = chosen ? file.files[0].name : span.getAttribute('data-empty');
      });
    }
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

  function firstUnread() {
    if (location.hash) { return; }
    var d = document.querySelector('.divider') || document.querySelector('.msg.unread');
    if (d) { d.scrollIntoView({ block: 'center' }); }
  }

  mentions();
  guardReply();
  markRead();
  document.addEventListener('visibilitychange', markRead);
  live();
  firstUnread();
}());
