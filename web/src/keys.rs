//! The page's keyboard patterns, as one listener in JavaScript (a few hundred bytes, where the
//! same in Rust closures cost the first load about a kilobyte): they only press the page's own
//! controls, so every change still goes through the state's reducer.
//!
//! - Ctrl+Z (Cmd+Z) presses Undo; Shift+Ctrl+Z and Ctrl+Y press Redo, anywhere but in the JSON
//!   editor (a textarea keeps its own undo). In a field, text typed and not yet committed is
//!   committed first (a `change`), so that the undo takes it back.
//! - Enter and Space press an element with `role="button"` that is not a `<button>` (the map's
//!   ranges).
//! - The WAI-ARIA tabs pattern: arrows, Home and End select and focus another tab (the tabs
//!   themselves keep one tab stop, `tabindex` 0 on the selected one only).
//! - After a finding's Fix, focus goes to the finding now in its place, else (none left) to the
//!   fixed field (the button's `data-field`), never to `<body>`.
//! - A finding's field button (`data-goto`: the input's id) scrolls to the field and focuses it
//!   (or the field's findings, for a field without an input).
//! - A finding's "Why" (`details.why`, `data-rule`), first opened, asks the export worker (its
//!   `explain` request) for the rule's explanation: the texts stay out of the page's wasm.
//! - The Azure regions ([`is_region`]), offered to the Location field as a `<datalist>`
//!   (`azure-regions`) that the listener adds to the page.
//! - The map: pinch or Ctrl+wheel over a range zooms into it, the other way (or `-` on a range)
//!   zooms out one level. The first paint's static shell (`#shell` in `index.html`) goes when
//!   the listener starts.
//! - A share link pasted over the page's own address (only the fragment changes, so the page
//!   does not load again) reloads the page, which offers it like any link.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
// Azure's regions (programmatic names, `az account list-locations`), public and sovereign clouds.
const REGIONS = ('eastus eastus2 southcentralus westus2 westus3 australiaeast southeastasia northeurope swedencentral ' +
  'uksouth westeurope centralus southafricanorth centralindia eastasia japaneast koreacentral canadacentral ' +
  'francecentral germanywestcentral italynorth norwayeast polandcentral spaincentral switzerlandnorth mexicocentral ' +
  'uaenorth brazilsouth israelcentral qatarcentral northcentralus westus japanwest jioindiawest westcentralus ' +
  'southafricawest australiacentral australiacentral2 australiasoutheast koreasouth southindia westindia canadaeast ' +
  'francesouth germanynorth norwaywest switzerlandwest ukwest uaecentral brazilsoutheast newzealandnorth ' +
  'indonesiacentral malaysiawest chilecentral austriaeast belgiumcentral denmarkeast swedensouth jioindiacentral ' +
  'chinaeast chinaeast2 chinaeast3 chinanorth chinanorth2 chinanorth3 usgovvirginia usgovarizona usgovtexas ' +
  'usdodcentral usdodeast').split(' ');
export function isRegion(name) {
  return REGIONS.includes(name);
}
export function listen() {
  document.getElementById('shell')?.remove();
  // Pinch, or Ctrl+wheel, over the map: in over a range, out one level.
  addEventListener('wheel', (e) => {
    if (!e.ctrlKey || !e.target.closest?.('.map-rows')) return;
    e.preventDefault();
    (e.deltaY < 0 ? e.target.closest('button.range') : document.querySelector('.map-bar button'))?.click();
  }, { passive: false });
  const list = document.createElement('datalist');
  list.id = 'azure-regions';
  for (const r of REGIONS) list.appendChild(new Option(r, r));
  document.body.appendChild(list);
  addEventListener('toggle', (e) => {
    const d = e.target, p = d.lastElementChild;
    if (!d.matches?.('details.why') || !d.open || p.textContent) return;
    const w = new Worker(document.querySelector('meta[name=byocni-exports-worker]').content);
    w.onmessage = (m) => m.data == 'ready' ? w.postMessage([0, 'explain', d.dataset.rule]) : (p.textContent = m.data[1], w.terminate());
    w.onerror = () => p.textContent = 'The explanation did not load: reload the page to try again.';
  }, true);
  addEventListener('hashchange', () => /=/.test(location.hash) && location.reload());
  // Capturing: the list is read before the fix re-renders it.
  addEventListener('click', (e) => {
    const to = e.target.closest?.('[data-goto]')?.dataset.goto;
    const field = to && (document.getElementById(to) ?? document.getElementById(to + '-findings'));
    if (field) {
      field.scrollIntoView({ block: 'center' });
      field.focus();
    }
    const fix = e.target.closest?.('button.fix');
    if (!fix) return;
    const li = fix.closest('li'), i = [...li.parentNode.children].indexOf(li);
    setTimeout(() => {
      const items = document.querySelectorAll('.finding-list > li');
      (items[Math.min(i, items.length - 1)] ?? document.getElementById(fix.dataset.field))?.focus();
    });
  }, true);
  addEventListener('keydown', (e) => {
    const t = e.target, k = e.key, role = t.getAttribute?.('role');
    if ((e.ctrlKey || e.metaKey) && !e.altKey && /^[yz]$/i.test(k)) {
      if (t.tagName == 'TEXTAREA') return;
      if (t.tagName == 'INPUT' && t.type == 'text') t.dispatchEvent(new Event('change', { bubbles: true }));
      e.preventDefault();
      const id = e.shiftKey || /y/i.test(k) ? 'redo' : 'undo';
      setTimeout(() => document.getElementById(id)?.click());
    } else if (k == '-' && t.closest?.('.map-rows')) {
      document.querySelector('.map-bar button')?.click();
    } else if (role == 'button' && t.tagName != 'BUTTON' && (k == 'Enter' || k == ' ')) {
      e.preventDefault();
      t.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    } else if (role == 'tab') {
      const tabs = [...t.parentNode.querySelectorAll('[role=tab]')], n = tabs.length;
      const to = { ArrowRight: tabs.indexOf(t) + 1, ArrowLeft: tabs.indexOf(t) + n - 1, Home: 0, End: n - 1 }[k];
      if (to == null) return;
      e.preventDefault();
      tabs[to % n].click();
      tabs[to % n].focus();
    }
  });
}
"#)]
extern "C" {
    /// Installs the listener (once, when the app starts).
    pub fn listen();

    /// Whether `name` is an Azure region's programmatic name.
    #[wasm_bindgen(js_name = isRegion)]
    pub fn is_region(name: &str) -> bool;
}
