// The newsletter sign-up box, as a publisher embeds it and as Broadsheet's own pages
// enhance it. Bundled by esbuild (see CMakeLists.txt) with the ALTCHA widget and the
// box's CSS into one file, served as HOST/embed/signup.js: the reader's browser asks
// nothing of anyone but HOST.
//
// Embeds:
//   <script src="https://HOST/embed/signup.js" data-newsletters="morning-briefing" async></script>
//     the box appears where the script tag is;
//   <div data-broadsheet-signup data-newsletters="a,b" [data-host="https://HOST"]>fallback</div>
//     the box replaces the element's content (the fallback shows until it loads).
// The box HTML comes from HOST/embed/box and goes into an open shadow root with its CSS,
// so the host page's styles cannot reach it and its styles cannot reach the host page.
//
// Server-rendered boxes (form.bs-form on Broadsheet's pages) work without JavaScript as a
// plain form posting to /subscribe; this script enhances them the same way as embeds:
// the time zone, the robot check, and submitting through the JSON API with the messages
// shown inline, announced, and the focus moved to the first field to fix.
import 'altcha/external';
import altchaCss from 'altcha/altcha.css' with { type: 'text' };
import shaWorkerSource from 'altcha/workers/sha' with { type: 'text' };
import pbkdf2WorkerSource from 'altcha/workers/pbkdf2' with { type: 'text' };
import boxCss from '../static/signup-box.css' with { type: 'text' };

const INTERNAL_MESSAGE = 'An error has occurred. Please try again later.';
const DEFAULT_SUCCESS = 'Thank you for signing up. Please check your inbox to confirm.';
const SCRIPT_PATH = /\/embed\/signup\.js(?:[?#].*)?$/;
const MOUNTED = 'data-broadsheet-mounted';

// The script element running now; null when loaded as a module or injected late.
const thisScript = document.currentScript;

// ---------------------------------------------------------------------------------
// The ALTCHA widget. `altcha/external` is the build without bundled workers and without
// the <style> it would otherwise add to the host page's <head>: its CSS goes into each
// shadow root instead (and into <head> only on Broadsheet's own pages).

// Workers from the package's own worker sources, started from blob: URLs made here.
function workerFactory(source) {
  let url = null;
  return () => {
    try {
      url = url || URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
      return new Worker(url);
    } catch {
      return new Worker('data:text/javascript;charset=utf-8,' + encodeURIComponent(source));
    }
  };
}
if (globalThis.$altcha && globalThis.$altcha.algorithms) {
  const sha = workerFactory(shaWorkerSource);
  const pbkdf2 = workerFactory(pbkdf2WorkerSource);
  for (const a of ['SHA-256', 'SHA-384', 'SHA-512']) globalThis.$altcha.algorithms.set(a, sha);
  for (const a of ['PBKDF2/SHA-256', 'PBKDF2/SHA-384', 'PBKDF2/SHA-512']) {
    globalThis.$altcha.algorithms.set(a, pbkdf2);
  }
}

// ALTCHA's stylesheet declares its variables on :root, which matches nothing inside a
// shadow root, and sizes text in rem, which follows the host page's root font size.
// Scope the variables to the box and make the sizes relative to the box's own font.
const ALTCHA_CSS = altchaCss
  .replace(/:root/g, '.bs-signup')
  .replace(/(\d*\.?\d+)rem\b/g, '$1em');
const SHADOW_CSS = ALTCHA_CSS + '\n' + boxCss;

// Our own options, whatever the template says; see the README of altcha 3 for each.
const WIDGET_OPTIONS = {
  hideFooter: true, // no "Protected by ALTCHA" link to a third party
  humanInteractionSignature: false, // no pointer/keyboard collector on the host page
  language: 'en',
  type: 'checkbox',
  auto: 'off',
  debug: false,
  test: false,
  setCookie: null,
  credentials: 'omit',
};

// ---------------------------------------------------------------------------------
// Small helpers.

function baseOf(script) {
  if (script && script.dataset && script.dataset.host) return script.dataset.host.replace(/\/+$/, '');
  if (script && script.src) return script.src.replace(SCRIPT_PATH, '');
  return location.origin;
}

function absolute(url, base) {
  try {
    return new URL(url, base + '/').href;
  } catch {
    return url;
  }
}

function el(doc, tag, attrs, text) {
  const e = doc.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}

function timeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------
// Enhancing one box (its <section class="bs-signup">), wherever it lives.

function enhance(box, base) {
  if (!box || box.hasAttribute('data-bs-enhanced')) return;
  box.setAttribute('data-bs-enhanced', '');
  const form = box.querySelector('form.bs-form');
  if (!form) return;
  const root = box.getRootNode();
  const doc = box.ownerDocument;
  const $ = (sel) => box.querySelector(sel);

  form.noValidate = true; // the server validates; its messages are the ones shown
  const tz = form.querySelector('input[name="timezone"]');
  if (tz) tz.value = timeZone();

  const widget = $('altcha-widget');
  const altchaCheckbox = () =>
    widget && widget.querySelector('input[type="checkbox"]:not([name="newsletters"])');
  if (widget) {
    const challenge = widget.getAttribute('challenge') || '/api/v1/public/challenge';
    widget.setAttribute('challenge', absolute(challenge, base));
    const configure = () => {
      try {
        widget.configure({ ...WIDGET_OPTIONS, challenge: absolute(challenge, base) });
      } catch {
        // not mounted yet: the 'load' event calls again
      }
    };
    configure();
    widget.addEventListener('load', configure);
    // The widget finds its checkbox with document.getElementById, which cannot see into
    // a shadow root: keep the checkbox in step with the state ourselves, and tie it to
    // our error message.
    widget.addEventListener('statechange', (ev) => {
      const state = ev.detail && ev.detail.state;
      const cb = altchaCheckbox();
      if (!cb) return;
      if (state === 'verified') {
        cb.checked = true;
        cb.setCustomValidity('');
        clearField(box, 'altcha');
      } else if (state !== 'verifying') {
        cb.checked = false;
      }
    });
  }
  linkAltchaError(box);

  // Summary links go to their field (in a shadow root, a #fragment would not).
  box.addEventListener('click', (ev) => {
    const a = ev.target.closest && ev.target.closest('.bs-summary a');
    if (!a) return;
    const id = (a.getAttribute('href') || '').slice(1);
    const target = a.getAttribute('data-goto') ? null : id && box.querySelector(`[id="${CSS.escape(id)}"]`);
    const field = a.getAttribute('data-goto') ||
      (target && target.closest('[data-field]') && target.closest('[data-field]').getAttribute('data-field'));
    if (!field) return;
    ev.preventDefault();
    focusField(box, field);
  });

  let busy = false;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (busy) return;
    busy = true;
    const button = form.querySelector('.bs-button');
    const label = button ? button.textContent : '';
    if (button) {
      button.setAttribute('aria-disabled', 'true');
      button.textContent = 'Signing up\u2026';
    }
    try {
      const outcome = await post(form, base);
      if (outcome.ok) {
        showSuccess(box, outcome.message || DEFAULT_SUCCESS);
        return;
      }
      const robotRefused = outcome.errors.some((e) => e.field === 'altcha');
      if (robotRefused && widget && typeof widget.reset === 'function' &&
          typeof widget.getState === 'function' && widget.getState() !== 'unverified') {
        widget.reset(); // a refused or spent solution: the reader ticks again
      }
      showErrors(box, outcome.errors);
    } finally {
      busy = false;
      if (button && button.isConnected) {
        button.removeAttribute('aria-disabled');
        button.textContent = label;
      }
    }
  });

  // A page the server rendered with messages (the form posted without JavaScript):
  // start at the first field to fix.
  const firstInvalid = box.querySelector('.bs-invalid[data-field]');
  if (firstInvalid && root === doc) {
    requestAnimationFrame(() => focusField(box, firstInvalid.getAttribute('data-field')));
  }
}

// The altcha checkbox appears once the widget has rendered: describe it by our error.
function linkAltchaError(box) {
  const widget = box.querySelector('altcha-widget');
  if (!widget) return;
  const link = () => {
    const cb = widget.querySelector('input[type="checkbox"]');
    if (!cb) return false;
    const container = containerOf(box, 'altcha');
    const err = container && container.querySelector('.bs-error');
    if (err && err.id) cb.setAttribute('aria-describedby', err.id);
    if (container && container.classList.contains('bs-invalid')) cb.setAttribute('aria-invalid', 'true');
    return true;
  };
  if (link()) return;
  const mo = new MutationObserver(() => {
    if (link()) mo.disconnect();
  });
  mo.observe(widget, { childList: true, subtree: true });
}

function formBody(form) {
  const value = (name) => {
    const input = form.querySelector(`[name="${name}"]`);
    return input ? input.value : '';
  };
  const altcha = form.querySelector('altcha-widget input[type="hidden"][name="altcha"]') ||
    form.querySelector('input[type="hidden"][name="altcha"]');
  const marketing = form.querySelector('input[name="marketing"]');
  return {
    email: value('email'),
    name: value('name'),
    newsletters: [...form.querySelectorAll('input[name="newsletters"]:checked')].map((i) => i.value),
    altcha: altcha ? altcha.value : '',
    timezone: value('timezone') || timeZone(),
    marketing: !!(marketing && marketing.checked),
    page: value('page'),
    consent_version: value('consent_version'),
  };
}

// POSTs the form to the JSON API. Resolves to {ok, message} or {ok: false, errors}.
async function post(form, base) {
  const api = absolute(form.getAttribute('data-api') || '/api/v1/public/subscriptions', base);
  let response;
  try {
    response = await fetch(api, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(formBody(form)),
      credentials: 'omit',
      mode: 'cors',
      cache: 'no-store',
    });
  } catch {
    return { ok: false, errors: [{ field: '', code: 'network', message: INTERNAL_MESSAGE }] };
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.ok) {
    return { ok: true, message: data && typeof data.message === 'string' ? data.message : '' };
  }
  let errors = [];
  if (data && Array.isArray(data.errors)) {
    errors = data.errors.filter((e) => e && typeof e.message === 'string' && e.message);
  }
  if (!errors.length && data && data.error && data.error.message) {
    errors = [{ field: '', code: data.error.code || '', message: data.error.message }];
  }
  if (!errors.length) errors = [{ field: '', code: 'internal', message: INTERNAL_MESSAGE }];
  return { ok: false, errors };
}

// The fields the server may name, each a [data-field] container in the box holding its
// controls and its .bs-error message.
const FIELDS = ['email', 'name', 'newsletters', 'altcha'];

function containerOf(box, field) {
  return FIELDS.includes(field) ? box.querySelector(`.bs-field[data-field="${field}"]`) : null;
}

function controlsOf(box, field) {
  const container = containerOf(box, field);
  if (!container) return [];
  if (field === 'altcha') {
    const cb = container.querySelector('altcha-widget input[type="checkbox"]');
    return cb ? [cb] : [];
  }
  return [...container.querySelectorAll('input:not([type="hidden"])')];
}

function focusField(box, field) {
  const target = controlsOf(box, field)[0] || containerOf(box, field);
  if (!target) return;
  target.focus({ preventScroll: true });
  target.scrollIntoView({ block: 'center', behavior: 'instant' });
}

function clearField(box, field) {
  const container = containerOf(box, field);
  if (!container) return;
  container.classList.remove('bs-invalid');
  const err = container.querySelector('.bs-error');
  if (err) err.textContent = '';
  for (const c of controlsOf(box, field)) c.removeAttribute('aria-invalid');
}

function showErrors(box, errors) {
  const doc = box.ownerDocument;
  for (const field of FIELDS) clearField(box, field);

  const byField = new Map();
  const general = [];
  for (const e of errors) {
    if (containerOf(box, e.field)) {
      if (!byField.has(e.field)) byField.set(e.field, e.message);
    } else {
      general.push(e.message);
    }
  }

  for (const [field, message] of byField) {
    const container = containerOf(box, field);
    container.classList.add('bs-invalid');
    const err = container.querySelector('.bs-error');
    if (err) {
      err.replaceChildren(el(doc, 'span', { class: 'bs-visually-hidden' }, 'Error: '), doc.createTextNode(message));
    }
    for (const c of controlsOf(box, field)) c.setAttribute('aria-invalid', 'true');
  }

  // The summary is the live region: its new content is announced.
  const summary = box.querySelector('.bs-summary');
  if (summary) {
    const list = el(doc, 'ul', { class: 'bs-summary-list' });
    for (const message of general) list.append(el(doc, 'li', {}, message));
    for (const field of FIELDS) {
      if (!byField.has(field)) continue;
      const li = el(doc, 'li');
      const target = controlsOf(box, field)[0] || containerOf(box, field);
      li.append(el(doc, 'a', { href: '#' + (target.id || ''), 'data-goto': field }, byField.get(field)));
      list.append(li);
    }
    summary.replaceChildren(el(doc, 'p', { class: 'bs-summary-title' }, 'There is a problem'), list);
  }

  const first = FIELDS.find((f) => byField.has(f));
  if (first) {
    focusField(box, first);
  } else if (summary) {
    summary.focus({ preventScroll: true });
    summary.scrollIntoView({ block: 'nearest', behavior: 'instant' });
  }
}

function showSuccess(box, message) {
  const doc = box.ownerDocument;
  const form = box.querySelector('form.bs-form');
  const ok = el(doc, 'div', { class: 'bs-success', id: 'bs-success', tabindex: '-1', role: 'status' });
  ok.innerHTML =
    '<svg class="bs-success-icon" viewBox="0 0 24 24" width="40" height="40" aria-hidden="true" focusable="false">' +
    '<circle cx="12" cy="12" r="11" fill="currentColor"/><path d="m7 12.5 3.2 3.2L17 9" fill="none" ' +
    'stroke="#fff" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/></svg>';
  const text = el(doc, 'div');
  text.append(
    el(doc, 'p', { class: 'bs-success-title' }, 'Check your inbox'),
    el(doc, 'p', { class: 'bs-success-text' }, message),
  );
  ok.append(text);
  form.replaceWith(ok);
  ok.focus({ preventScroll: true });
  ok.scrollIntoView({ block: 'nearest', behavior: 'instant' });
}

// ---------------------------------------------------------------------------------
// Embeds: fetch the box, put it in a shadow root where the publisher asked for it.

async function mount(hostEl, base, newsletters) {
  if (hostEl.hasAttribute(MOUNTED)) return;
  hostEl.setAttribute(MOUNTED, '');
  const url = new URL(base + '/embed/box');
  if (newsletters) url.searchParams.set('newsletters', newsletters);
  url.searchParams.set('page', location.href);
  let html;
  try {
    const response = await fetch(url.href, { credentials: 'omit', mode: 'cors' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    html = await response.text();
  } catch (e) {
    console.warn('Broadsheet sign-up box: cannot load', url.href, e);
    hostEl.removeAttribute(MOUNTED);
    return; // the fallback content, if any, stays
  }

  const doc = hostEl.ownerDocument;
  const tpl = doc.createElement('template');
  tpl.innerHTML = html;
  const frag = tpl.content;
  for (const s of frag.querySelectorAll('script')) s.remove();
  // Links and the form's action are relative to HOST, not to the page they are on.
  for (const a of frag.querySelectorAll('a[href^="/"]')) a.href = absolute(a.getAttribute('href'), base);
  for (const f of frag.querySelectorAll('form[action]')) f.action = absolute(f.getAttribute('action'), base);
  for (const w of frag.querySelectorAll('altcha-widget[challenge]')) {
    w.setAttribute('challenge', absolute(w.getAttribute('challenge'), base));
  }

  let root;
  try {
    root = hostEl.shadowRoot || hostEl.attachShadow({ mode: 'open' });
  } catch {
    // An element that cannot host a shadow root (e.g. <p>): use a child that can.
    const inner = doc.createElement('div');
    hostEl.replaceChildren(inner);
    root = inner.attachShadow({ mode: 'open' });
  }
  const style = doc.createElement('style');
  style.textContent = SHADOW_CSS;
  root.replaceChildren(style, frag);
  for (const box of root.querySelectorAll('.bs-signup')) enhance(box, base);
  hostEl.dispatchEvent(new CustomEvent('broadsheet:signup-ready', { bubbles: true }));
}

// Broadsheet's own pages: boxes in the document itself get ALTCHA's CSS in <head>
// (scoped to the box) and unique ids when there are several.
function enhanceServerRendered() {
  const boxes = [...document.querySelectorAll('.bs-signup')].filter(
    (b) => b.getRootNode() === document && !b.hasAttribute('data-bs-enhanced'),
  );
  if (!boxes.length) return;
  if (!document.getElementById('bs-altcha-css')) {
    const style = el(document, 'style', { id: 'bs-altcha-css' });
    style.textContent = ALTCHA_CSS;
    document.head.append(style);
  }
  const seen = document.querySelectorAll('.bs-signup[data-bs-enhanced]').length;
  boxes.forEach((box, i) => {
    if (seen + i > 0) uniqueIds(box, '-' + (seen + i + 1));
    enhance(box, location.origin);
  });
}

function uniqueIds(box, suffix) {
  const ids = new Map();
  for (const e of box.querySelectorAll('[id]')) {
    if (e.closest('altcha-widget')) continue;
    ids.set(e.id, e.id + suffix);
    e.id += suffix;
  }
  const map = (v) => v.split(/\s+/).map((t) => ids.get(t) || t).join(' ');
  for (const attr of ['for', 'aria-describedby', 'aria-labelledby']) {
    for (const e of box.querySelectorAll(`[${attr}]`)) e.setAttribute(attr, map(e.getAttribute(attr)));
  }
  if (box.hasAttribute('aria-labelledby')) box.setAttribute('aria-labelledby', map(box.getAttribute('aria-labelledby')));
  for (const a of box.querySelectorAll('a[href^="#"]')) {
    const id = a.getAttribute('href').slice(1);
    if (ids.has(id)) a.setAttribute('href', '#' + ids.get(id));
  }
}

function boot() {
  enhanceServerRendered();

  const scripts = new Set();
  if (thisScript && thisScript.hasAttribute('data-newsletters')) scripts.add(thisScript);
  for (const s of document.querySelectorAll('script[data-newsletters]')) {
    if (s.src && SCRIPT_PATH.test(s.src)) scripts.add(s);
  }
  for (const s of scripts) {
    if (s.hasAttribute(MOUNTED)) continue;
    s.setAttribute(MOUNTED, '');
    const container = document.createElement('div');
    container.setAttribute('data-broadsheet-signup-box', '');
    if (s.parentNode && document.body && document.body.contains(s)) {
      s.parentNode.insertBefore(container, s);
    } else if (document.body) {
      document.body.append(container);
    } else {
      continue;
    }
    mount(container, baseOf(s), s.getAttribute('data-newsletters') || '');
  }

  const defaultBase = thisScript && thisScript.src ? baseOf(thisScript) : null;
  for (const e of document.querySelectorAll('[data-broadsheet-signup]')) {
    const base = e.getAttribute('data-host')
      ? e.getAttribute('data-host').replace(/\/+$/, '')
      : defaultBase || baseOf(document.querySelector('script[src*="/embed/signup.js"]'));
    mount(e, base, e.getAttribute('data-newsletters') || '');
  }
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', boot, { once: true });
} else {
  boot();
}
