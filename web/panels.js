// The planner's panels that the export worker renders, loaded when first needed (not part of
// the first load): the estate client (web/src/estate.rs) and the subnet table's client
// (web/src/components/table.rs). Their stubs in the page import this module on first use;
// scripts/post-build.mjs names it byocni-panels-<the export worker's hash>.js, so a cached copy
// never outlives its page.

// The estate client.
export const { estate_text, estate_start, estate_send, estate_stop } = (() => {
let w = null, q = [], busy = false, ready = false, current = 0, cb = null, listening = false;
let last = '', timer = 0;
const KEY = 'byocni.estate.v2';
const panel = () => document.getElementById('estate');
function save() {
  if (timer) { clearTimeout(timer); timer = 0; try { localStorage.setItem(KEY, last); } catch {} }
}
function estate_text() { return last; }
// The panel's new HTML, only its top-level blocks that changed replaced: an edit of a cluster
// leaves the other VNets' tables as they are (no style and layout work for them).
function patch(p, html) {
  const t = document.createElement('template');
  t.innerHTML = html;
  const next = [...t.content.childNodes], old = [...p.childNodes];
  if (next.length !== old.length) return p.replaceChildren(...next);
  next.forEach((n, i) => { if (!n.isEqualNode(old[i])) old[i].replaceWith(n); });
}
function pump() {
  if (w && ready && !busy && q.length) { busy = true; w.postMessage([0, ...q.shift()]); }
}
function estate_start(url, on) {
  cb = on;
  if (!listening) {
    listening = true;
    addEventListener('pagehide', save);
    document.addEventListener('visibilitychange', () => { if (document.hidden) save(); });
    document.addEventListener('change', (e) => {
      if (e.target.id === 'cluster-picker') estate_send('estate-cluster', e.target.value);
    });
    // The Fix for a missing pod CIDR and Fix all, in an estate: the estate worker works them
    // out, clear of the other clusters' pods and VNets (the page's own know the cluster alone).
    // Capturing, so the page's handler does not run.
    document.addEventListener('click', (e) => {
      const f = e.target.closest?.('.finding-list button.fix, #fix-all');
      const kind = f?.id ? 'estate-fix-all' : f?.closest('li').querySelector('.rule')?.textContent === 'pod-cidr-missing' && 'estate-fill';
      if (w && kind && !panel()?.hidden) {
        e.stopPropagation();
        estate_send(kind, String(current));
      }
    }, true);
    document.addEventListener('click', (e) => {
      const b = e.target.closest?.('#add-cluster, [data-cluster-index], #estate button[data-vnet]');
      if (!b) return;
      const d = b.dataset;
      if (b.id === 'add-cluster') estate_send('estate-add', String(current));
      else if (d.vnet) estate_send('estate-subnets', [current, d.vnet, d.op, d.arg].join('\n'));
      else estate_send('estate-cluster', d.clusterIndex);
    });
  }
  if (w) return true;
  try { w = new Worker(url); } catch { return false; }
  w.onmessage = (e) => {
    if (e.data === 'ready') { ready = true; return pump(); }
    busy = false;
    const [, meta, plan, text, html] = e.data;
    const p = panel();
    // The edited cluster's VNet exists: its table in the panel is read-only, the page's is hidden.
    const t = document.getElementById('subnet-table');
    if (meta && t) t.style.display = /data-vnet="\d+" data-edited /.test(html) ? 'none' : '';
    if (meta && p && p.innerHTML !== html) {
      const f = document.activeElement, focused = f?.id, { vnet, at } = f?.dataset ?? {}, cls = f?.className;
      patch(p, html);
      if (focused && p.querySelector('#' + focused)) document.getElementById(focused).focus();
      // A table's button: the same button of the same row, else the row's first.
      else if (vnet) (p.querySelector(`button.${cls}[data-vnet="${vnet}"][data-at="${at}"]`)
        ?? p.querySelector(`[data-vnet="${vnet}"] button[data-at="${at}"]`))?.focus();
    }
    if (meta) {
      current = Number(meta.split('\n')[0]);
      last = text;
      clearTimeout(timer);
      timer = setTimeout(save, 300);
    }
    pump();
    cb(meta, plan, text);
  };
  w.onerror = () => cb('', '', 'The estate worker did not load: reload the page to try again.');
  return true;
}
function estate_send(kind, payload) {
  const last = q[q.length - 1];
  const key = (t) => t.slice(0, t.indexOf('\n') + 2);
  if (kind === 'estate-edit' && last?.[0] === kind && key(last[1]).split('\n')[0] === key(payload).split('\n')[0]
      && (key(last[1]).endsWith('0') || key(payload).endsWith('1'))) q.pop();
  q.push([kind, payload]);
  pump();
}
function estate_stop() {
  w?.terminate();
  w = null; q = []; busy = false; ready = false; last = '';
  clearTimeout(timer); timer = 0;
  try { localStorage.removeItem(KEY); } catch {}
  const p = panel(), t = document.getElementById('subnet-table');
  if (p) p.innerHTML = '';
  if (t) t.style.display = '';
}
return { estate_text, estate_start, estate_send, estate_stop };
})();

// The subnet table's client.
export const { table_show } = (() => {
let w = null, ready = false, busy = false, dirty = false, plan = '', cuts = [], timer = 0, cb = null, edits = [];
function pump() {
  if (!w || !ready || busy) return;
  const r = edits.shift() ?? (dirty ? ['table', cuts.join(' ') + '\n' + plan] : null);
  if (!r) return;
  if (r[0] === 'table') dirty = false;
  busy = true;
  w.postMessage([r[0] === 'table' ? 1 : 2, ...r]);
}
function draw(html) {
  const rows = document.getElementById('subnet-rows');
  if (!rows || rows.innerHTML === html) return;
  const f = document.activeElement, at = rows.contains(f) && f.dataset.at, cls = at && f.className;
  rows.innerHTML = html;
  if (at) (rows.querySelector(`button.${cls}[data-at="${at}"]`) ?? rows.querySelector(`button[data-at="${at}"]`))?.focus();
}
function ask() { clearTimeout(timer); dirty = true; pump(); }
function table_show(p, url, on) {
  plan = p;
  clearTimeout(timer);
  timer = setTimeout(ask, 100);
  if (w || !url) return;
  cb = on;
  try { w = new Worker(url); } catch { return; }
  w.onmessage = (e) => {
    if (e.data === 'ready') { ready = true; return ask(); }
    busy = false;
    const [kind, body] = e.data;
    if (kind === 2) {
      const i = body.indexOf('\n', body.indexOf('\n') + 1);
      // The rows of the edited plan: newer than any refresh waiting (the page's plan comes next).
      if (i > 0) { dirty = false; draw(body.slice(i + 1)); }
      cb(i > 0 ? body.slice(0, i) : body);
    }
    else if (!dirty) draw(body);
    pump();
  };
  document.addEventListener('click', (e) => {
    const b = e.target.closest?.('#subnet-rows button[data-op]');
    if (!b) return;
    const { op, arg } = b.dataset;
    if (op === 'cut' || op === 'uncut') {
      cuts = cuts.filter((c) => c !== arg);
      if (op === 'cut') cuts.push(arg);
      ask();
    } else {
      edits.push(['table-edit', op + '\n' + arg + '\n' + cuts.join(' ') + '\n' + plan]);
      pump();
    }
  });
}
return { table_show };
})();
