// Boots the chat widget (served to browsers as is; the server embeds its settings as JSON in the page).
// Gets a Direct Line token or resumes this tab's conversation, renders Web Chat in the browser's language,
// asks the bot to greet in it, and switches language from the toggle. Kept in sessionStorage, for this tab
// only: the token and conversation id (never message text). A resumed conversation is replayed from the
// start of the server's log, so the transcript is back after a reload.
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('clave-widget-config').textContent);
  var STORAGE_KEY = 'clave.webchat.v1';
  var WEB_CHAT_LOCALES = { es: 'es-ES', en: 'en-US' };
  var domain = location.origin + config.directLine;
  var statusEl = document.getElementById('status');
  var host = document.getElementById('webchat');

  function readSession() {
    try {
      var saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || 'null');
      return saved && typeof saved === 'object' ? saved : {};
    } catch (e) {
      return {};
    }
  }
  function writeSession(patch) {
    try {
      var next = Object.assign(readSession(), patch);
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    } catch (e) {
      /* storage off (private mode): the chat still works, it just won't survive a reload */
    }
  }

  /** ?lang= if the embedding page asks for one, else the first of the browser's languages we speak. */
  function browserLocale() {
    var asked = String(new URLSearchParams(location.search).get('lang') || '').toLowerCase();
    if (asked === 'es' || asked === 'en') return asked;
    var languages = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ''];
    for (var i = 0; i < languages.length; i++) {
      var tag = String(languages[i]).toLowerCase();
      if (tag.indexOf('es') === 0) return 'es';
      if (tag.indexOf('en') === 0) return 'en';
    }
    return config.locale;
  }

  var session = readSession();
  var locale = session.locale === 'es' || session.locale === 'en' ? session.locale : browserLocale();

  function setStatus(key) {
    statusEl.textContent = key ? config.copy[locale][key] : '';
  }

  /** Puts the page's own words in the current language (Web Chat translates itself). */
  function applyCopy() {
    var copy = config.copy[locale];
    document.documentElement.lang = locale;
    document.title = copy.page_title;
    document.querySelectorAll('[data-copy]').forEach(function (el) {
      if (el.tagName !== 'TITLE' && el.id !== 'status') el.textContent = copy[el.getAttribute('data-copy')];
    });
    document.querySelectorAll('[data-copy-label]').forEach(function (el) {
      el.setAttribute('aria-label', copy[el.getAttribute('data-copy-label')]);
    });
    document.querySelectorAll('.lang button').forEach(function (button) {
      button.setAttribute('aria-pressed', String(button.getAttribute('data-locale') === locale));
    });
    var outbox = document.getElementById('outbox-link');
    if (outbox && config.outboxUrl) outbox.href = config.outboxUrl + '?lang=' + locale;
    if (statusEl.textContent) statusEl.textContent = copy[statusEl.getAttribute('data-copy')] || statusEl.textContent;
  }

  // The minimal Web Chat build has no Markdown; this turns the bot's plain text into safe HTML with
  // clickable web links (the reset link). Everything else is escaped, so nothing else can become markup.
  function escapeHtml(value) {
    return value.replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function linkify(text) {
    var out = '';
    var last = 0;
    var pattern = /https?:\/\/[^\s<>"']+/g;
    var match;
    while ((match = pattern.exec(text))) {
      var url = match[0].replace(/[.,;:!?)\]»”’]+$/, '');
      out += escapeHtml(text.slice(last, match.index));
      out += '<a href="' + escapeHtml(url) + '" target="_blank" rel="noopener noreferrer">' + escapeHtml(url) + '</a>';
      last = match.index + url.length;
    }
    return out + escapeHtml(text.slice(last));
  }
  // Web Chat keeps only the top-level elements of what this returns, so every paragraph is a <p>.
  function renderMarkdown(text) {
    return String(text)
      .split(/\r?\n\s*\r?\n/)
      .map(function (paragraph) {
        return '<p>' + linkify(paragraph).replace(/\r?\n/g, '<br>') + '</p>';
      })
      .join('');
  }

  var styleOptions = {
    accent: config.colors.accent,
    bubbleBorderRadius: 12,
    bubbleFromUserBorderRadius: 12,
    bubbleFromUserBackground: config.colors.brand,
    bubbleFromUserTextColor: config.colors.onBrand,
    bubbleFromUserBorderColor: config.colors.brand,
    suggestedActionLayout: 'flow',
    suggestedActionBackgroundColor: '#ffffff',
    suggestedActionBorderColor: config.colors.accent,
    suggestedActionTextColor: config.colors.accent,
    suggestedActionBorderRadius: 999,
    suggestedActionHeight: 44,
    sendBoxButtonColor: config.colors.accent,
    hideUploadButton: true,
    rootHeight: '100%',
    primaryFont: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  };

  var directLine;
  var store;
  var joined = !!session.joined;

  function remember() {
    if (!directLine || !directLine.conversationId) return;
    writeSession({ token: directLine.token, conversationId: directLine.conversationId, locale: locale, joined: joined });
  }

  function render() {
    window.WebChat.renderWebChat(
      {
        directLine: directLine,
        store: store,
        locale: WEB_CHAT_LOCALES[locale],
        styleOptions: styleOptions,
        renderMarkdown: renderMarkdown,
        nonce: config.nonce,
      },
      host
    );
  }

  function switchLanguage(next) {
    if (next === locale || !WEB_CHAT_LOCALES[next]) return;
    locale = next;
    applyCopy();
    remember();
    writeSession({ locale: locale });
    if (!store) return;
    render();
    // Tell the bot the same way its own language buttons do, so the conversation follows. After Web Chat
    // has re-rendered, so the message already carries the new locale.
    var say = config.switchTo[next];
    setTimeout(function () {
      store.dispatch({ type: 'WEB_CHAT/SEND_MESSAGE_BACK', payload: { text: say.text, displayText: say.text, value: say.value } });
    }, 0);
  }

  document.querySelectorAll('.lang button').forEach(function (button) {
    button.addEventListener('click', function () {
      switchLanguage(button.getAttribute('data-locale'));
    });
  });

  /** A token for this tab's conversation if it can still be resumed, else one for a new conversation. */
  function getToken() {
    var saved = readSession();
    var resume = saved.token && saved.conversationId
      ? fetch(domain + '/conversations/' + encodeURIComponent(saved.conversationId), {
          headers: { Authorization: 'Bearer ' + saved.token },
        }).then(function (response) {
          return response.ok ? response.json() : null;
        })
      : Promise.resolve(null);
    return resume
      .catch(function () {
        return null;
      })
      .then(function (resumed) {
        if (resumed) return { token: resumed.token, conversationId: resumed.conversationId, resumed: true };
        writeSession({ token: null, conversationId: null, joined: false });
        joined = false;
        return fetch(domain + '/tokens/generate', { method: 'POST' }).then(function (response) {
          if (!response.ok) throw new Error('token ' + response.status);
          return response.json().then(function (body) {
            return { token: body.token, conversationId: body.conversationId, resumed: false };
          });
        });
      });
  }

  // directlinejs reopens a dropped WebSocket by itself (after 3 to 15 s) but never says so: its connection
  // status stays "online", so Web Chat would show nothing while messages cannot arrive. The stream's own
  // open/close events drive Web Chat's connectivity notification instead, shown in Web Chat's own words.
  var CONNECTIVITY = 'connectivitystatus';
  var streamEvents = null;
  var leaving = false;
  window.addEventListener('pagehide', function () {
    leaving = true;
  });
  window.addEventListener('pageshow', function () {
    leaving = false;
  });
  function connectivity(message) {
    var level = message === 'connected' ? 'success' : 'info';
    return { type: 'WEB_CHAT/SET_NOTIFICATION', payload: { id: CONNECTIVITY, level: level, message: message } };
  }
  /** Runs create() with a WebSocket that reports the stream going down and coming back up (directlinejs
   *  keeps the constructor it finds when it is created, so the global is put back at once). */
  function withWatchedStream(create) {
    var Native = window.WebSocket;
    if (typeof Native !== 'function') return create();
    var down = false;
    function WatchedWebSocket(url, protocols) {
      var socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
      socket.addEventListener('open', function () {
        if (down && streamEvents) streamEvents(true);
        down = false;
      });
      socket.addEventListener('close', function () {
        if (leaving || down) return;
        down = true;
        if (streamEvents) streamEvents(false);
      });
      return socket;
    }
    WatchedWebSocket.prototype = Native.prototype;
    ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach(function (name) {
      WatchedWebSocket[name] = Native[name];
    });
    window.WebSocket = WatchedWebSocket;
    try {
      return create();
    } finally {
      window.WebSocket = Native;
    }
  }

  applyCopy();
  setStatus('connecting');
  statusEl.setAttribute('data-copy', 'connecting');

  getToken()
    .then(function (grant) {
      var options = { domain: domain, token: grant.token, webSocket: config.webSocket };
      // Resuming: directlinejs reconnects to the conversation instead of starting one.
      if (grant.resumed) options.conversationId = grant.conversationId;
      directLine = withWatchedStream(function () {
        return window.WebChat.createDirectLine(options);
      });
      store = window.WebChat.createStore({}, function (api) {
        streamEvents = function (up) {
          api.dispatch(connectivity(up ? 'connected' : 'reconnecting'));
        };
        return function (next) {
          return function (action) {
            // The first connection already has the page's own status line (from before Web Chat loads
            // until CONNECT_FULFILLED); Web Chat's would say the same twice, and its 400 ms debounce keeps
            // it on screen after the greeting. Reconnecting and failure notices still go through.
            var notice = action.type === 'WEB_CHAT/SET_NOTIFICATION' ? action.payload || {} : {};
            if (notice.id === CONNECTIVITY && notice.message === 'connecting') return action;
            if (action.type === 'DIRECT_LINE/CONNECT_FULFILLED') {
              setStatus(null);
              if (!joined) {
                joined = true;
                // Web Chat sends the locale on every activity; the join event asks the bot to greet in it.
                api.dispatch({ type: 'WEB_CHAT/SEND_EVENT', payload: { name: 'webchat/join', value: { locale: WEB_CHAT_LOCALES[locale] } } });
              }
              remember();
            } else if (action.type === 'DIRECT_LINE/CONNECT_REJECTED') {
              statusEl.setAttribute('data-copy', 'connect_failed');
              setStatus('connect_failed');
            } else if (action.type === 'DIRECT_LINE/INCOMING_ACTIVITY') {
              remember();
            }
            return next(action);
          };
        };
      });
      render();
      // directlinejs refreshes its token every 15 minutes; keep the newest for a reload.
      window.addEventListener('pagehide', remember);
    })
    .catch(function () {
      statusEl.setAttribute('data-copy', 'connect_failed');
      setStatus('connect_failed');
    });
})();
