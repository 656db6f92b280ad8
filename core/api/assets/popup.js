/* Parcours popups: the script a website embeds to show a contact the popups its
 * journeys queued (the `popup` channel plugin). Served by the host as GET /popup.js.
 *
 *   <script src="https://parcours.example/popup.js" data-client="acme"
 *           data-contact="c-1" async></script>
 *
 * data-client   the client id (its folder under clients/); required.
 * data-contact  the visitor's contact id; leave it out and call
 *               Parcours.popup.identify(id) once the page knows who is there.
 *
 * It asks the host that served it (the script's own origin) for the contact's popups,
 * shows the first as a modal dialog and reports it seen; a click on its call to
 * action is reported, then followed. A popup marked exit_intent waits until the
 * pointer leaves the page through the top. One popup per page view.
 *
 * Parcours.popup.identify(id)  sets the contact and loads its popups (a Promise of
 *                              the list).
 * Parcours.popup.show()        shows the next waiting popup now, exit-intent ones
 *                              too; false when there is none or one is open.
 *
 * No dependencies, no external CSS: every style is inline, so the site's own CSS
 * and this script's cannot clash. The page's origin must be in the client's
 * allowed_origins (client.toml), or the host refuses the requests.
 */
(function () {
  'use strict';
  var script = document.currentScript || document.querySelector('script[data-client][src*="popup.js"]');
  if (!script || !window.fetch) return;
  var base = script.src.replace(/\/popup\.js(?:[?#].*)?$/, '');
  var client = script.getAttribute('data-client') || '';
  var contact = script.getAttribute('data-contact') || '';
  var waiting = [];
  var open = null; // the popup on screen, if any
  var shown = false; // one popup per page view
  var exitHandler = null;
  var counter = 0;

  function route(parts) {
    return base + '/v1/clients/' + encodeURIComponent(client) + '/popups/' + parts.map(encodeURIComponent).join('/');
  }

  // keepalive: a click's report must outlive the page it navigates away from.
  function report(popup, action) {
    return fetch(route([contact, popup.id, action]), { method: 'POST', mode: 'cors', credentials: 'omit', keepalive: true })
      .catch(function () {});
  }

  function load() {
    disarm();
    if (!client || !contact) return Promise.resolve([]);
    return fetch(route([contact]), { mode: 'cors', credentials: 'omit', cache: 'no-store' })
      .then(function (response) { return response.ok ? response.json() : { popups: [] }; })
      .then(function (answer) {
        waiting = Array.isArray(answer.popups) ? answer.popups : [];
        schedule();
        return waiting;
      })
      .catch(function () { return []; });
  }

  function schedule() {
    if (shown) return;
    var now = waiting.filter(function (p) { return !p.exit_intent; })[0];
    if (now) return display(now);
    var onExit = waiting.filter(function (p) { return p.exit_intent; })[0];
    if (onExit) arm(onExit);
  }

  // Exit intent: the pointer leaves the window through its top edge (towards the tab
  // bar or the address bar): a mouseout that enters no other element, at y <= 0.
  function arm(popup) {
    exitHandler = function (event) {
      if (event.relatedTarget || event.clientY > 0) return;
      disarm();
      display(popup);
    };
    document.addEventListener('mouseout', exitHandler);
  }

  function disarm() {
    if (exitHandler) document.removeEventListener('mouseout', exitHandler);
    exitHandler = null;
  }

  function element(tag, style, text) {
    var node = document.createElement(tag);
    if (style) node.setAttribute('style', style);
    if (text) node.textContent = text;
    return node;
  }

  // `forced`: Parcours.popup.show(), which may show a second popup in one page view.
  function display(popup, forced) {
    if (open || (shown && !forced)) return false;
    shown = true;
    disarm();
    waiting = waiting.filter(function (p) { return p !== popup; });
    var previousFocus = document.activeElement;
    var id = 'parcours-popup-' + (++counter);

    var overlay = element('div', 'position:fixed;top:0;right:0;bottom:0;left:0;z-index:2147483647;' +
      'background:rgba(0,0,0,.55);display:flex;align-items:center;justify-content:center;padding:16px;' +
      'box-sizing:border-box');
    overlay.setAttribute('data-parcours-popup', popup.id);
    var dialog = element('div', 'position:relative;box-sizing:border-box;max-width:480px;width:100%;' +
      'max-height:100%;overflow:auto;background:#fff;color:#1a1a1a;border-radius:8px;padding:28px 24px 24px;' +
      'font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;text-align:left;' +
      'box-shadow:0 10px 40px rgba(0,0,0,.35)');
    dialog.setAttribute('role', 'dialog');
    dialog.setAttribute('aria-modal', 'true');
    dialog.setAttribute('tabindex', '-1');

    if (popup.title) {
      var title = element('h2', 'margin:0 32px 12px 0;font-size:22px;line-height:1.3;color:inherit', popup.title);
      title.id = id + '-title';
      dialog.appendChild(title);
      dialog.setAttribute('aria-labelledby', title.id);
    } else {
      dialog.setAttribute('aria-label', popup.cta && popup.cta.text ? popup.cta.text : 'Message');
    }
    var body = element('div', 'margin:0 0 20px');
    body.id = id + '-body';
    // The HTML comes from the client's own templates, rendered by the host (which
    // escapes what the contact's attributes bring in).
    if (popup.html) body.innerHTML = popup.html;
    else body.textContent = popup.text || '';
    dialog.appendChild(body);
    dialog.setAttribute('aria-describedby', body.id);

    var action = null;
    if (popup.cta && popup.cta.text) {
      action = element(popup.cta.url ? 'a' : 'button', 'display:inline-block;padding:10px 20px;border:0;' +
        'border-radius:6px;background:#1f5fbf;color:#fff;font:inherit;font-weight:600;text-decoration:none;' +
        'cursor:pointer', popup.cta.text);
      if (popup.cta.url) action.href = popup.cta.url;
      else action.type = 'button';
      action.setAttribute('data-parcours-cta', '');
      action.addEventListener('click', function (event) {
        event.preventDefault();
        var followed = false;
        var follow = function () {
          if (followed) return;
          followed = true;
          if (popup.cta.url) window.location.assign(popup.cta.url);
          else close();
        };
        // Follow once the host has the click, or after a second at most.
        report(popup, 'clicked').then(follow);
        setTimeout(follow, 1000);
      });
      dialog.appendChild(action);
    }

    var closeButton = element('button', 'position:absolute;top:8px;right:8px;width:36px;height:36px;padding:0;' +
      'border:0;border-radius:50%;background:transparent;color:#555;font:24px/1 sans-serif;cursor:pointer', '\u00d7');
    closeButton.type = 'button';
    closeButton.setAttribute('aria-label', 'Close');
    closeButton.addEventListener('click', function () { close(); });
    dialog.appendChild(closeButton);

    function focusable() {
      return Array.prototype.slice.call(dialog.querySelectorAll(
        'a[href],button,input,select,textarea,[tabindex]:not([tabindex="-1"])'));
    }
    // Escape closes; Tab stays inside the dialog while it is open (aria-modal).
    function onKey(event) {
      if (event.key === 'Escape') { event.preventDefault(); close(); return; }
      if (event.key !== 'Tab') return;
      var items = focusable();
      if (!items.length) { event.preventDefault(); return; }
      var first = items[0], last = items[items.length - 1];
      if (event.shiftKey && (document.activeElement === first || document.activeElement === dialog)) {
        event.preventDefault(); last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault(); first.focus();
      }
    }
    function close() {
      if (!open) return;
      document.removeEventListener('keydown', onKey, true);
      if (overlay.parentNode) overlay.parentNode.removeChild(overlay);
      open = null;
      if (previousFocus && previousFocus.focus) previousFocus.focus();
    }
    overlay.addEventListener('click', function (event) { if (event.target === overlay) close(); });
    document.addEventListener('keydown', onKey, true);

    overlay.appendChild(dialog);
    document.body.appendChild(overlay);
    open = { popup: popup, close: close };
    (action || closeButton).focus();
    report(popup, 'seen');
    return true;
  }

  window.Parcours = window.Parcours || {};
  window.Parcours.popup = {
    identify: function (id) {
      contact = String(id || '');
      waiting = [];
      if (!open) shown = false;
      return load();
    },
    show: function () {
      return waiting.length ? display(waiting[0], true) : false;
    }
  };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', load);
  else load();
})();
