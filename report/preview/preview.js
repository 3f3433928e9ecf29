// mms report preview: shows the rows of the JSON blocks a page at a time.
// Every value goes into the page as text (textContent), never as markup.
(function () {
  'use strict';
  var PAGE = 100;
  var MAXCELLS = 4e6; // largest word table the diff compares in full

  function data(id) {
    var el = document.getElementById(id);
    try { return JSON.parse(el.textContent); } catch (e) { return []; }
  }
  var meetings = data('meetings-data');
  var users = data('users-data');

  var slot = document.getElementById('summary-slot');
  var summary = document.getElementById('summary');
  if (slot && summary) { slot.parentNode.replaceChild(summary, slot); }

  // Columns: [title, index in the row, kind]
  // The report's columns, as the workbook and the CSV name and order them.
  var mCols = [['UserId', 0], ['UID', 1, 'id'], ['Summary', 2, 'wrap'], ['Start', 3, 'date'], ['End', 4, 'date'],
    ['Recurrence', 5, 'wrap'], ['Attendees', 6, 'num'], ['Outcome', 7, 'outcome'], ['Reason', 8, 'code'], ['Detail', 9, 'wrap'],
    ['Changes', 10, 'wrap'], ['Provider', 11], ['OldJoinUrl', 12, 'link'], ['NewJoinUrl', 13, 'link']];
  var uCols = [['UserId', 0], ['State', 1, 'state'], ['MigrationType', 2], ['TotalMeeting', 3, 'num'],
    ['SucceededMeeting', 4, 'num'], ['FailedMeeting', 5, 'num'], ['SkippedMeeting', 6, 'num'],
    ['InvitesUpdate', 7, 'num'], ['RetryCount', 8, 'num'], ['LastMessage', 9, 'wrap'],
    ['CreateDate', 10, 'date'], ['ModifiedDate', 11, 'date'], ['CorrelationId', 12]];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  // The state lives in the URL's hash: #filter=failed&outcome=skipped&sort=3&page=2&open=UID
  function readHash() {
    var p = {};
    location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
      if (!kv) { return; }
      var i = kv.indexOf('=');
      var k = i < 0 ? kv : kv.slice(0, i);
      var v = i < 0 ? '' : kv.slice(i + 1);
      try { p[decodeURIComponent(k)] = decodeURIComponent(v.replace(/\+/g, ' ')); } catch (e) { /* ignore */ }
    });
    return p;
  }
  function writeHash(p) {
    var parts = [];
    Object.keys(p).forEach(function (k) {
      if (p[k] !== '' && p[k] !== undefined && p[k] !== null) {
        parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(p[k]));
      }
    });
    var h = parts.join('&');
    if (('#' + h) !== location.hash) { location.hash = h; } else { render(); }
  }
  function set(changes) {
    var p = readHash();
    Object.keys(changes).forEach(function (k) { p[k] = changes[k]; });
    writeHash(p);
  }

  function text(row) {
    if (row._t === undefined) {
      var parts = [];
      for (var i = 0; i < row.length; i++) {
        if (typeof row[i] === 'string' || typeof row[i] === 'number') { parts.push(String(row[i])); }
      }
      row._t = parts.join('\u0001').toLowerCase();
    }
    return row._t;
  }

  // view returns the rows passing the filters, sorted.
  var cache = {};
  function view(name, rows, q, col, value, sort) {
    var key = [q, col, value, sort].join('\u0002');
    if (cache[name] && cache[name].key === key) { return cache[name].rows; }
    var ql = q.toLowerCase();
    var out = [];
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      if (value && r[col] !== value) { continue; }
      if (ql && text(r).indexOf(ql) < 0) { continue; }
      out.push(r);
    }
    if (sort) {
      var desc = sort.charAt(0) === '-';
      var c = parseInt(desc ? sort.slice(1) : sort, 10);
      if (!isNaN(c)) {
        out.sort(function (a, b) {
          var x = a[c], y = b[c];
          var d = typeof x === 'number' ? x - y : String(x).localeCompare(String(y));
          return desc ? -d : d;
        });
      }
    }
    cache[name] = { key: key, rows: out };
    return out;
  }

  function header(table, cols, sort, prefix) {
    var tr = table.tHead.rows[0];
    tr.textContent = '';
    cols.forEach(function (c) {
      var th = el('th', '', c[0]);
      var s = String(c[1]);
      if (sort === s) { th.className = 'asc'; }
      if (sort === '-' + s) { th.className = 'desc'; }
      th.addEventListener('click', function () {
        var ch = {}; ch[prefix + 'sort'] = sort === s ? '-' + s : s; ch[prefix + 'page'] = '';
        set(ch);
      });
      tr.appendChild(th);
    });
  }

  function cell(c, v) {
    var td = el('td', ['num', 'wrap', 'date', 'id', 'link', 'code'].indexOf(c[2]) >= 0 ? c[2] : '');
    if (c[2] === 'outcome' || c[2] === 'state') {
      td.appendChild(el('span', 'badge ' + (c[2] === 'outcome' ? 'o-' : 's-') + v, v));
    } else if (c[2] === 'link' && v) {
      td.appendChild(link(String(v)));
      td.title = String(v);
    } else if (c[2] === 'wrap' && v) {
      var clamp = el('div', 'clamp', String(v)); // at most a few lines: the open meeting shows the rest
      clamp.title = String(v);
      td.appendChild(clamp);
    } else if (c[2] === 'id' && v) {
      td.textContent = String(v); // cut short by its cell; whole in its title and in the open meeting
      td.title = String(v);
    } else {
      td.textContent = v === undefined || v === null ? '' : String(v);
    }
    return td;
  }

  function pager(id, n, total, pageNo, prefix, what) {
    var box = document.getElementById(id);
    box.textContent = '';
    var pages = Math.max(1, Math.ceil(n / PAGE));
    var first = n === 0 ? 0 : pageNo * PAGE + 1;
    var last = Math.min(n, (pageNo + 1) * PAGE);
    var info = el('span', 'count', first + '\u2013' + last + ' of ' + n + ' ' + what +
      (n !== total ? ' (filtered from ' + total + ')' : ''));
    box.appendChild(info);
    var prev = el('button', '', '\u2039 Prev');
    prev.disabled = pageNo <= 0;
    prev.addEventListener('click', function () { var ch = {}; ch[prefix + 'page'] = String(pageNo); set(ch); });
    var next = el('button', '', 'Next \u203A');
    next.disabled = pageNo >= pages - 1;
    next.addEventListener('click', function () { var ch = {}; ch[prefix + 'page'] = String(pageNo + 2); set(ch); });
    box.appendChild(prev);
    box.appendChild(el('span', 'pages', 'page ' + (pageNo + 1) + ' of ' + pages));
    box.appendChild(next);
  }

  function pageOf(p, key, n) {
    var pg = parseInt(p[key] || '1', 10);
    if (isNaN(pg) || pg < 1) { pg = 1; }
    return Math.min(pg - 1, Math.max(0, Math.ceil(n / PAGE) - 1));
  }

  // A word-level diff: the tokens both blocks keep, by the longest common
  // subsequence of what remains after the common start and end.
  function tokens(s) { return s.match(/\s+|[0-9A-Za-z\u00C0-\uFFFF]+|[^\s0-9A-Za-z\u00C0-\uFFFF]/g) || []; }
  function diff(a, b) {
    var x = tokens(a), y = tokens(b);
    var p = 0;
    while (p < x.length && p < y.length && x[p] === y[p]) { p++; }
    var s = 0;
    while (s < x.length - p && s < y.length - p && x[x.length - 1 - s] === y[y.length - 1 - s]) { s++; }
    var n = x.length - p - s, m = y.length - p - s;
    var keepA = new Uint8Array(n), keepB = new Uint8Array(m);
    if (n > 0 && m > 0 && n * m <= MAXCELLS) {
      var w = m + 1, L = new Uint16Array((n + 1) * w);
      for (var i = n - 1; i >= 0; i--) {
        for (var j = m - 1; j >= 0; j--) {
          L[i * w + j] = x[p + i] === y[p + j] ? L[(i + 1) * w + j + 1] + 1 : Math.max(L[(i + 1) * w + j], L[i * w + j + 1]);
        }
      }
      var ii = 0, jj = 0;
      while (ii < n && jj < m) {
        if (x[p + ii] === y[p + jj]) { keepA[ii++] = 1; keepB[jj++] = 1; } else if (L[(ii + 1) * w + jj] >= L[ii * w + jj + 1]) { ii++; } else { jj++; }
      }
    }
    return [runs(x, p, keepA, s), runs(y, p, keepB, s)];
  }
  function runs(t, p, keep, s) {
    var out = [];
    for (var k = 0; k < t.length; k++) {
      var changed = k >= p && k < t.length - s && !keep[k - p] && !/^\s+$/.test(t[k]);
      var last = out[out.length - 1];
      if (last && last[1] === changed) { last[0] += t[k]; } else { out.push([t[k], changed]); }
    }
    return out;
  }
  function marked(rs, tag) {
    var pre = el('pre');
    rs.forEach(function (r) { pre.appendChild(r[1] ? el(tag, '', r[0]) : document.createTextNode(r[0])); });
    return pre;
  }

  function link(url) {
    if (!/^https?:\/\//i.test(url)) { return document.createTextNode(url); }
    var a = el('a', '', url);
    a.href = url;
    a.rel = 'noopener noreferrer';
    return a;
  }

  function detail(r) {
    var td = el('td', 'detail');
    td.colSpan = mCols.length;
    // the open meeting stays as wide as the table's visible part, however far it scrolls
    var box = document.querySelector('#meetings .scroll');
    var width = box ? box.clientWidth - 48 : 0;
    var dl = el('dl', 'facts');
    function fact(k, v) {
      if (!v) { return; }
      dl.appendChild(el('dt', '', k));
      var dd = el('dd');
      if (typeof v === 'string') { dd.textContent = v; } else { dd.appendChild(v); }
      dl.appendChild(dd);
    }
    if (width > 0) { dl.style.maxWidth = width + 'px'; }
    fact('UID', r[1]);
    fact('Reason', r[8]);
    fact('Detail', r[9]);
    fact('Changes', r[10]);
    if (r[12]) { fact('Old join link', link(r[12])); }
    if (r[13]) { fact('New join link', link(r[13])); }
    td.appendChild(dl);
    if (r[14] || r[15]) {
      var sides = el('div', 'sides');
      var oldSide = el('div', 'old'), newSide = el('div', 'new');
      oldSide.appendChild(el('h4', '', 'Old block'));
      newSide.appendChild(el('h4', '', 'New block'));
      if (r[15]) {
        var d = diff(r[14] || '', r[15]);
        oldSide.appendChild(marked(d[0], 'del'));
        newSide.appendChild(marked(d[1], 'ins'));
      } else {
        oldSide.appendChild(el('pre', '', r[14]));
        newSide.appendChild(el('p', 'empty', 'unchanged'));
      }
      sides.appendChild(oldSide);
      sides.appendChild(newSide);
      if (width > 0) { sides.style.maxWidth = width + 'px'; }
      td.appendChild(sides);
    }
    if (r[16]) {
      var mail = el('div', 'mail');
      mail.appendChild(el('h4', '', 'Mail to attendees'));
      mail.appendChild(el('pre', '', r[16]));
      if (width > 0) { mail.style.maxWidth = width + 'px'; }
      td.appendChild(mail);
    }
    return td;
  }

  var opened = {};
  function renderMeetings(p) {
    var q = p.filter || '', outcome = p.outcome || '', sort = p.sort || '';
    document.getElementById('m-filter').value = q;
    document.getElementById('m-outcome').value = outcome;
    var rows = view('m', meetings, q, 7, outcome, sort);
    var pg = pageOf(p, 'page', rows.length);
    var table = document.getElementById('m-table');
    header(table, mCols, sort, '');
    var body = document.createElement('tbody');
    rows.slice(pg * PAGE, (pg + 1) * PAGE).forEach(function (r) {
      var tr = el('tr', 'row');
      mCols.forEach(function (c) { tr.appendChild(cell(c, r[c[1]])); });
      body.appendChild(tr);
      var dr = null;
      function toggle() {
        if (dr) { body.removeChild(dr); dr = null; tr.classList.remove('open'); return; }
        dr = el('tr', 'detail-row');
        dr.appendChild(detail(r));
        body.insertBefore(dr, tr.nextSibling);
        tr.classList.add('open');
      }
      tr.addEventListener('click', function () { opened[r[1]] = !dr; toggle(); });
      if (opened[r[1]] || (p.open && (p.open === r[1] || p.open === 'all'))) { toggle(); }
    });
    table.replaceChild(body, table.tBodies[0]);
    pager('m-pager', rows.length, meetings.length, pg, '', meetings.length === 1 ? 'meeting' : 'meetings');
  }

  function renderUsers(p) {
    var q = p.ufilter || '', state = p.state || '', sort = p.usort || '';
    document.getElementById('u-filter').value = q;
    document.getElementById('u-state').value = state;
    var rows = view('u', users, q, 1, state, sort);
    var pg = pageOf(p, 'upage', rows.length);
    var table = document.getElementById('u-table');
    header(table, uCols, sort, 'u');
    var body = document.createElement('tbody');
    rows.slice(pg * PAGE, (pg + 1) * PAGE).forEach(function (r) {
      var tr = el('tr');
      uCols.forEach(function (c) { tr.appendChild(cell(c, r[c[1]])); });
      body.appendChild(tr);
    });
    table.replaceChild(body, table.tBodies[0]);
    pager('u-pager', rows.length, users.length, pg, 'u', users.length === 1 ? 'user' : 'users');
  }

  function render() {
    var p = readHash();
    renderMeetings(p);
    renderUsers(p);
  }

  function debounce(f) {
    var t = null;
    return function () { clearTimeout(t); t = setTimeout(f, 200); };
  }
  document.getElementById('m-filter').addEventListener('input', debounce(function () {
    set({ filter: document.getElementById('m-filter').value, page: '' });
  }));
  document.getElementById('m-outcome').addEventListener('change', function () {
    set({ outcome: document.getElementById('m-outcome').value, page: '' });
  });
  document.getElementById('u-filter').addEventListener('input', debounce(function () {
    set({ ufilter: document.getElementById('u-filter').value, upage: '' });
  }));
  document.getElementById('u-state').addEventListener('change', function () {
    set({ state: document.getElementById('u-state').value, upage: '' });
  });
  window.addEventListener('hashchange', render);
  render();
}());
