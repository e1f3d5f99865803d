// The embed snippet (GET /embed.js), run on a company's own site:
//   <div id="clave-chat" data-lang="es"></div>
//   <script src="https://clave.example.com/embed.js" async></script>
// It puts the chat widget page of the server it came from in an <iframe> inside the container (an element
// with id "clave-chat" or a data-clave-container attribute), sized by the container, in the language of
// data-lang, else the page's <html lang>, else the browser's. With data-mode="launcher" the chat opens from
// a floating button in the brand's colour instead. It shares nothing with the host page: no cookies, no
// globals, no tokens; the conversation lives inside the iframe, on this server's origin.
(function (settings) {
  'use strict';

  var script = document.currentScript;
  var origin;
  try {
    origin = new URL(script && script.src ? script.src : settings.origin, location.href).origin;
  } catch (e) {
    return;
  }

  function pickLocale(value) {
    var tag = String(value || '').toLowerCase();
    if (tag.indexOf('es') === 0) return 'es';
    if (tag.indexOf('en') === 0) return 'en';
    return null;
  }
  function fill(template) {
    return template.replace(/\{brand\}/g, settings.brand);
  }
  function attr(container, name) {
    return (container && container.getAttribute(name)) || (script && script.getAttribute(name)) || '';
  }

  function frameFor(locale) {
    var frame = document.createElement('iframe');
    frame.src = origin + '/?embed=1&lang=' + locale;
    frame.title = fill(settings.copy[locale].chat_label);
    frame.setAttribute('lang', locale);
    frame.setAttribute('referrerpolicy', 'no-referrer');
    frame.setAttribute('allow', 'clipboard-write');
    frame.style.border = '0';
    frame.style.width = '100%';
    frame.style.height = '100%';
    frame.style.display = 'block';
    frame.style.colorScheme = 'normal';
    return frame;
  }

  function inline(container, locale) {
    // Sized by the container; one without a height of its own gets a usable one.
    if (!container.style.height && container.getBoundingClientRect().height < 200) container.style.height = '560px';
    container.appendChild(frameFor(locale));
  }

  function launcher(container, locale) {
    var copy = settings.copy[locale];
    var panelId = 'clave-chat-panel-' + Math.random().toString(36).slice(2, 8);
    var panel = document.createElement('div');
    panel.id = panelId;
    panel.hidden = true;
    var s = panel.style;
    s.position = 'fixed';
    s.right = '16px';
    s.bottom = '88px';
    s.width = 'min(400px, calc(100vw - 32px))';
    s.height = 'min(620px, calc(100vh - 120px))';
    s.zIndex = '2147483646';
    s.borderRadius = '12px';
    s.overflow = 'hidden';
    s.boxShadow = '0 8px 32px rgba(0,0,0,.25)';
    s.background = '#fff';

    var button = document.createElement('button');
    button.type = 'button';
    button.setAttribute('aria-controls', panelId);
    button.setAttribute('aria-expanded', 'false');
    button.setAttribute('lang', locale);
    button.textContent = fill(copy.embed_open);
    var b = button.style;
    b.position = 'fixed';
    b.right = '16px';
    b.bottom = '16px';
    b.zIndex = '2147483647';
    b.minHeight = '48px';
    b.padding = '0 20px';
    b.border = '0';
    b.borderRadius = '999px';
    b.background = settings.colors.brand;
    b.color = settings.colors.onBrand;
    b.font = '600 16px/1 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
    b.boxShadow = '0 4px 16px rgba(0,0,0,.25)';
    b.cursor = 'pointer';

    button.addEventListener('click', function () {
      var open = panel.hidden;
      // The chat loads on first open, so a page that never opens it costs nothing.
      if (open && !panel.firstChild) panel.appendChild(frameFor(locale));
      panel.hidden = !open;
      button.setAttribute('aria-expanded', String(open));
      button.textContent = fill(open ? copy.embed_close : copy.embed_open);
    });
    container.appendChild(panel);
    container.appendChild(button);
  }

  function mount() {
    var containers = document.querySelectorAll('#clave-chat, [data-clave-container]');
    if (!containers.length && script && script.getAttribute('data-mode') === 'launcher') containers = [document.body];
    for (var i = 0; i < containers.length; i++) {
      var container = containers[i];
      if (container.getAttribute('data-clave-ready')) continue;
      container.setAttribute('data-clave-ready', 'true');
      var locale =
        pickLocale(attr(container, 'data-lang')) ||
        pickLocale(document.documentElement.lang) ||
        pickLocale(navigator.language) ||
        'en';
      if (attr(container, 'data-mode') === 'launcher') launcher(container, locale);
      else inline(container, locale);
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mount);
  else mount();
})(__CLAVE_EMBED_SETTINGS__);
