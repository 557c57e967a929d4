/*
 * gatewayd web view: the little the pages need JavaScript for.  Everything
 * works without it; this adds local times, the read beacon (sent only when
 * the page is visible), live updates over server-sent events and a warning
 * before leaving a page with an unsent reply.
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
    if (file) {
      file.addEventListener('change', function () {
        var label = file.parentNode, span = label.querySelector('span');
        var chosen = file.files.length > 0;
        label.classList.toggle('chosen', chosen);
        span.textContent = chosen ? file.files[0].name : 'Attach a file';
      });
    }
    if (text) {
      text.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { form.requestSubmit(); }
      });
    }
  }

  function firstUnread() {
    if (location.hash) { return; }
    var d = document.querySelector('.divider') || document.querySelector('.msg.unread');
    if (d) { d.scrollIntoView({ block: 'center' }); }
  }

  localTimes(document);
  guardReply();
  markRead();
  document.addEventListener('visibilitychange', markRead);
  live();
  firstUnread();
}());
