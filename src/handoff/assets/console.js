// The agent console in the browser: the line and the agent's conversations from the desk's live updates
// (Server-Sent Events), the case of the selected conversation, its chat, and the actions. Every word comes
// from the page's config (dialogs/pages/agent-console.ts); text from people is only ever set as textContent.
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('agent-console-config').textContent);
  var copy = config.copy;
  var state = {
    desk: null,
    offset: 0,
    selected: null,
    logs: {},
    cases: {},
    closed: {},
    ended: {},
    known: {},
    notice: null,
  };

  function t(key, params) {
    var s = copy[key] || key;
    return s.replace(/\{(\w+)\}/g, function (whole, name) {
      return params && Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole;
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === 'text') node.textContent = value;
      else if (name === 'hidden') node.hidden = true;
      else node.setAttribute(name, value === true ? '' : String(value));
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function now() {
    return Date.now() + state.offset;
  }

  function duration(ms) {
    var total = Math.max(0, Math.floor(ms / 1000));
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = String(total % 60).padStart(2, '0');
    return h ? h + ':' + String(m).padStart(2, '0') + ':' + s : m + ':' + s;
  }

  function when(iso) {
    try {
      return new Date(iso).toLocaleString(config.locale);
    } catch (e) {
      return iso;
    }
  }

  function api(method, path, body) {
    var init = { method: method, headers: { accept: 'application/json' }, credentials: 'same-origin' };
    if (method !== 'GET') {
      init.headers['content-type'] = 'application/json';
      init.headers['x-csrf-token'] = config.csrf;
      init.body = JSON.stringify(body || {});
    }
    return fetch(config.apiUrl + path, init).then(function (response) {
      return response.json().then(
        function (data) {
          return { status: response.status, data: data };
        },
        function () {
          return { status: response.status, data: {} };
        },
      );
    });
  }

  function conversationPath(id) {
    return '/conversations/' + encodeURIComponent(id);
  }

  function showProblem(key) {
    var problem = document.getElementById('problem');
    if (!key) {
      problem.hidden = true;
      problem.textContent = '';
      return;
    }
    problem.textContent = t(key);
    problem.hidden = false;
  }

  function problemFor(result) {
    if (result.status === 401) return 'error_session';
    var error = result.data && result.data.error;
    if (error === 'already_taken') return 'taken_elsewhere';
    if (error === 'gone' || error === 'not_found') return 'gone';
    if (error === 'not_verified') return 'needs_verification';
    if (error === 'no_account') return 'no_account_actions';
    return 'error_generic';
  }

  // ---- The lists ----------------------------------------------------------------------------------------

  function mineIds() {
    return (state.desk ? state.desk.mine : []).map(function (m) {
      return m.conversationId;
    });
  }

  function itemFor(conversation, kind) {
    var selected = state.selected === conversation.conversationId;
    var waited = kind === 'queue' ? t('waiting_for', { time: duration(now() - conversation.enqueuedAt) }) : '';
    var label = el('button', { type: 'button', class: 'pick', 'data-pick': conversation.conversationId, 'aria-current': selected ? 'true' : null }, [
      el('span', { class: 'lang', text: t('language_' + conversation.locale) }),
      el('span', { class: 'reason', text: t('reason_' + conversation.reason) }),
      kind === 'queue' ? el('span', { class: 'position', text: t('position', { position: conversation.position }) }) : null,
      kind === 'queue' ? el('span', { class: 'waited', 'data-since': conversation.enqueuedAt, text: waited }) : null,
      kind === 'ended' ? el('span', { class: 'badge', text: t('ended_badge') }) : null,
    ]);
    var li = el('li', { 'data-conversation-id': conversation.conversationId, class: selected ? 'selected' : null }, [label]);
    if (kind === 'queue') {
      li.appendChild(el('button', { type: 'button', class: 'take', 'data-action': 'take', 'data-id': conversation.conversationId, text: t('take') }));
    }
    return li;
  }

  function renderLists() {
    var desk = state.desk;
    if (!desk) return;
    var queue = document.getElementById('queue');
    var mine = document.getElementById('mine');
    clear(queue);
    clear(mine);
    desk.queue.forEach(function (c) {
      queue.appendChild(itemFor(c, 'queue'));
    });
    document.getElementById('queue-empty').hidden = desk.queue.length > 0;
    desk.mine.forEach(function (c) {
      mine.appendChild(itemFor(c, 'mine'));
    });
    Object.keys(state.ended).forEach(function (id) {
      if (mineIds().indexOf(id) < 0) mine.appendChild(itemFor(state.ended[id], 'ended'));
    });
    document.getElementById('mine-empty').hidden = mine.children.length > 0;
    var estimate = desk.estimateMs;
    document.getElementById('estimate').textContent =
      estimate === null ? t('estimate_none') : estimate < 60000 ? t('estimate_short') : t('estimate_minutes', { minutes: Math.round(estimate / 60000) });
  }

  function tickTimers() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-since]'), function (node) {
      node.textContent = t('waiting_for', { time: duration(now() - Number(node.getAttribute('data-since'))) });
    });
  }

  // ---- The selected conversation -------------------------------------------------------------------------

  function selectedEntry() {
    if (!state.desk || !state.selected) return null;
    var id = state.selected;
    var find = function (list) {
      return list.filter(function (c) {
        return c.conversationId === id;
      })[0];
    };
    var queued = find(state.desk.queue);
    if (queued) return { kind: 'queue', entry: queued };
    var mine = find(state.desk.mine);
    if (mine) return { kind: 'mine', entry: mine };
    if (state.ended[id]) return { kind: 'ended', entry: state.ended[id] };
    return null;
  }

  function field(label, value) {
    return [el('dt', { text: label }), el('dd', { text: value })];
  }

  function renderPacket(view) {
    var p = view.packet;
    var f = p.factors;
    var factor = function (name) {
      return t('factor_' + name);
    };
    var list = function (items) {
      return items.length ? items.join(', ') : t('none');
    };
    // A case opened before packet version 2 (a deployment mid-handoff) had no owner checks.
    var owner = p.ownerIdentification && typeof p.ownerIdentification === 'object' ? p.ownerIdentification : { paymentDetails: 'not_asked', securityQuestion: 'not_asked' };
    var dl = el('dl', { class: 'facts' });
    var rows = [
      field(t('field_language'), t('language_' + p.language)),
      field(t('field_reason'), t('reason_' + p.reason)),
      field(t('field_channel'), p.channelId || '-'),
      field(t('field_time_spent'), duration(p.timeSpentSeconds * 1000)),
      field(t('field_account'), p.accountId || t('no_account')),
      field(t('field_owner_payment'), t('owner_' + owner.paymentDetails)),
      field(t('field_owner_question'), t('owner_' + owner.securityQuestion)),
      field(t('field_verified'), list(f.verified.map(factor))),
      field(
        t('field_failed'),
        list(
          f.failed.map(function (name) {
            return factor(name) + ' (' + t('failed_attempts', { count: f.failedAttempts[name] }) + ')';
          }),
        ),
      ),
      field(t('field_code_channel'), f.codeChannel ? t('channel_' + f.codeChannel) : t('none')),
      field(t('field_second_factor'), f.secondFactorRequired === null ? t('unknown') : f.secondFactorRequired ? t('yes') : t('no')),
    ];
    rows.forEach(function (pair) {
      dl.appendChild(pair[0]);
      dl.appendChild(pair[1]);
    });
    var section = el('section', { class: 'case', 'aria-labelledby': 'case-heading' }, [el('h2', { id: 'case-heading', text: t('case_heading') }), dl]);
    if (f.lockedOut) section.appendChild(el('p', { class: 'note', text: t('locked_out_note') }));
    section.appendChild(el('p', { class: 'note', id: 'owner-note', text: t('owner_note') }));
    section.appendChild(el('p', { class: 'verified', id: 'agent-verified', text: view.agentVerified ? t('verified_by', { agent: view.agentVerified.agent }) : t('not_verified') }));

    section.appendChild(el('h3', { text: t('activity_heading') }));
    var activity = p.recentActivity;
    if (activity.status !== 'ok') {
      section.appendChild(el('p', { class: 'empty', text: t('activity_' + activity.status) }));
    } else {
      var signIns = el('ul', { class: 'activity' });
      activity.signIns.forEach(function (s) {
        signIns.appendChild(
          el('li', { class: s.success ? 'ok' : 'failed' }, [
            el('time', { datetime: s.at, text: when(s.at) }),
            ' ' + (s.success ? t('activity_success') : t('activity_failed')) + ' · ' + [s.device, s.location].filter(Boolean).join(', '),
          ]),
        );
      });
      section.appendChild(signIns);
      section.appendChild(el('h3', { text: t('devices_heading') }));
      var devices = el('ul', { class: 'activity' });
      activity.devices.forEach(function (d) {
        devices.appendChild(el('li', { text: d.name + (d.lastSeenAt ? ' · ' + t('last_seen', { time: when(d.lastSeenAt) }) : '') }));
      });
      section.appendChild(devices);
    }

    section.appendChild(el('h3', { text: t('transcript_heading') }));
    var transcript = el('ol', { class: 'transcript', id: 'transcript' });
    p.transcript.forEach(function (turn) {
      var person = turn.person;
      if (person) {
        var said =
          person.text !== undefined
            ? person.text
            : person.choice !== undefined
              ? '[' + (view.botTexts['choice_' + person.choice] || person.choice) + ']'
              : t(person.withheld === 'answer' ? 'transcript_withheld_answer' : 'transcript_withheld');
        transcript.appendChild(el('li', { class: 'person' }, [el('strong', { text: t('transcript_person') + ': ' }), said]));
      }
      turn.bot.forEach(function (key) {
        transcript.appendChild(el('li', { class: 'bot' }, [el('strong', { text: t('transcript_bot') + ': ' }), view.botTexts[key] || key]));
      });
    });
    if (!p.transcript.length) transcript.appendChild(el('li', { class: 'empty', text: t('transcript_empty') }));
    section.appendChild(transcript);
    return section;
  }

  function logLine(entry) {
    switch (entry.kind) {
      case 'person_message':
        return el('li', { class: 'person' }, [el('strong', { text: t('person') + ': ' }), entry.text]);
      case 'agent_message':
        return el('li', { class: 'agent' }, [el('strong', { text: (entry.agent === config.agent ? t('you') : entry.agent) + ': ' }), entry.text]);
      case 'person_withheld':
        return el('li', { class: 'note', text: t('log_person_withheld') });
      case 'person_left':
        return el('li', { class: 'note', text: t('log_person_left') });
      case 'agent_joined':
        return el('li', { class: 'note', text: t('log_agent_joined', { agent: entry.agent }) });
      case 'agent_verified':
        return el('li', { class: 'note', text: t('log_agent_verified', { agent: entry.agent }) });
      case 'reset_link':
        return el('li', { class: 'note', text: t('log_reset_link', { agent: entry.agent }) });
      case 'reset_link_sent':
        return el('li', { class: 'note', text: t('log_reset_link_sent') });
      case 'reset_link_failed':
        return el('li', { class: 'note', text: t('log_reset_link_failed') });
      case 'fresh_code':
        return el('li', { class: 'note', text: t('log_fresh_code', { agent: entry.agent, channel: t('channel_' + entry.channel) }) });
      case 'fresh_code_failed':
        return el('li', { class: 'note', text: t(entry.reason === 'locked' ? 'log_fresh_code_failed_locked' : 'log_fresh_code_failed_error') });
      case 'ended':
        return el('li', { class: 'note', text: t('log_ended', { agent: entry.agent }) });
      case 'closed':
        return el('li', { class: 'note closed', text: t('log_closed', { reason: t('closed_' + entry.outcome) }) });
      default:
        return null;
    }
  }

  function renderChat(id, kind) {
    var log = state.logs[id];
    var section = el('section', { class: 'chat', 'aria-labelledby': 'chat-heading' }, [el('h2', { id: 'chat-heading', text: t('chat_heading') })]);
    var lines = el('ol', { id: 'chat-log', class: 'chat-log', 'aria-live': 'polite' });
    (log ? log.entries : []).forEach(function (entry) {
      var line = logLine(entry);
      if (line) lines.appendChild(line);
    });
    section.appendChild(lines);
    if (kind === 'mine') {
      section.appendChild(
        el('form', { id: 'message-form', class: 'message' }, [
          el('label', { for: 'message', text: t('message_label') }),
          el('textarea', { id: 'message', rows: 3, maxlength: 2000, required: true }),
          el('button', { type: 'submit', id: 'send', class: 'primary', text: t('send') }),
        ]),
      );
    }
    return section;
  }

  function renderActions(selection, view) {
    var id = selection.entry.conversationId;
    var section = el('section', { class: 'actions', 'aria-labelledby': 'actions-heading' }, [el('h2', { id: 'actions-heading', text: t('actions_heading') })]);
    if (selection.kind === 'queue') {
      section.appendChild(el('button', { type: 'button', 'data-action': 'take', 'data-id': id, class: 'primary', text: t('take') }));
      section.appendChild(el('button', { type: 'button', 'data-action': 'dismiss', 'data-id': id, text: t('dismiss') }));
      return section;
    }
    if (selection.kind === 'ended') return null;
    var hasAccount = Boolean(view && view.packet.accountId);
    var verified = Boolean(view && view.agentVerified);
    var buttons = el('div', { class: 'buttons' });
    buttons.appendChild(el('button', { type: 'button', 'data-action': 'verify', 'data-id': id, disabled: !hasAccount || verified, text: t('verify') }));
    buttons.appendChild(el('button', { type: 'button', 'data-action': 'reset-link', 'data-id': id, disabled: !verified, text: t('send_link') }));
    var channel = el('select', { id: 'code-channel', 'aria-label': t('code_channel_label'), disabled: !verified });
    ['email', 'alt_email', 'sms'].forEach(function (c) {
      var option = el('option', { value: c, text: t('channel_' + c) });
      if (view && view.packet.factors.codeChannel === c) option.selected = true;
      channel.appendChild(option);
    });
    buttons.appendChild(el('span', { class: 'code' }, [channel, el('button', { type: 'button', 'data-action': 'fresh-code', 'data-id': id, disabled: !verified, text: t('send_code') })]));
    section.appendChild(buttons);
    if (!hasAccount) section.appendChild(el('p', { class: 'note', text: t('no_account_actions') }));
    else if (!verified) section.appendChild(el('p', { class: 'note', text: t('needs_verification') }));
    var end = el('div', { class: 'buttons' }, [
      el('button', { type: 'button', 'data-action': 'return', 'data-id': id, text: t('return_to_bot') }),
      el('button', { type: 'button', 'data-action': 'resolve', 'data-id': id, text: t('close_resolved') }),
    ]);
    section.appendChild(end);
    return section;
  }

  function renderDetail() {
    var container = document.getElementById('conversation');
    var prompt = document.getElementById('select-prompt');
    var selection = selectedEntry();
    if (!selection) {
      container.hidden = true;
      clear(container);
      prompt.hidden = false;
      return;
    }
    prompt.hidden = true;
    container.hidden = false;
    var id = selection.entry.conversationId;
    var key = id + '|' + selection.entry.handoffId;
    var view = state.cases[key] === 'loading' ? null : state.cases[key];
    var draft = document.getElementById('message');
    var keep = draft ? draft.value : '';
    var hadFocus = draft && document.activeElement === draft;
    clear(container);
    container.setAttribute('data-conversation-id', id);
    container.setAttribute('data-kind', selection.kind);
    if (view) container.appendChild(renderPacket(view));
    if (selection.kind !== 'queue') container.appendChild(renderChat(id, selection.kind));
    var actions = renderActions(selection, view);
    if (actions) container.appendChild(actions);
    var message = document.getElementById('message');
    if (message) {
      message.value = keep;
      if (hadFocus) message.focus();
    }
    var log = document.getElementById('chat-log');
    if (log) log.scrollTop = log.scrollHeight;
    if (!state.cases[key] && selection.kind !== 'ended') loadCase(id, selection.entry.handoffId);
  }

  function loadCase(id, handoffId) {
    var key = id + '|' + handoffId;
    if (state.cases[key] === 'loading') return;
    state.cases[key] = 'loading';
    api('GET', conversationPath(id)).then(function (result) {
      if (result.status === 200 && result.data.handoffId === handoffId) {
        state.cases[key] = result.data;
      } else {
        delete state.cases[key];
        if (result.status === 401) showProblem('error_session');
        return;
      }
      if (state.selected === id) renderDetail();
    });
  }

  function refreshCase(id) {
    var selection = selectedEntry();
    if (!selection || selection.entry.conversationId !== id) return;
    delete state.cases[id + '|' + selection.entry.handoffId];
    renderDetail();
  }

  // ---- Actions ---------------------------------------------------------------------------------------------

  function act(id, path, body) {
    showProblem(null);
    return api('POST', conversationPath(id) + '/' + path, body).then(function (result) {
      if (result.status !== 200) showProblem(problemFor(result));
      return result;
    });
  }

  document.addEventListener('click', function (event) {
    var target = event.target instanceof Element ? event.target.closest('button') : null;
    if (!target) return;
    var pick = target.getAttribute('data-pick');
    if (pick) {
      state.selected = pick;
      showProblem(null);
      renderLists();
      renderDetail();
      return;
    }
    var id = target.getAttribute('data-id');
    var action = target.getAttribute('data-action');
    if (!id || !action) return;
    if (action === 'take') {
      state.selected = id;
      act(id, 'take');
    } else if (action === 'dismiss') {
      act(id, 'dismiss');
    } else if (action === 'verify') {
      if (window.confirm(t('verify_confirm'))) {
        act(id, 'verify').then(function () {
          refreshCase(id);
        });
      }
    } else if (action === 'reset-link') {
      act(id, 'reset-link');
    } else if (action === 'fresh-code') {
      act(id, 'fresh-code', { channel: document.getElementById('code-channel').value });
    } else if (action === 'return') {
      act(id, 'end', { outcome: 'returned' });
    } else if (action === 'resolve') {
      act(id, 'end', { outcome: 'resolved' });
    }
  });

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.id !== 'message-form') return;
    event.preventDefault();
    var box = document.getElementById('message');
    var text = box.value.trim();
    if (!text || !state.selected) return;
    act(state.selected, 'messages', { text: text }).then(function (result) {
      if (result.status === 200) {
        box.value = '';
        box.focus();
      }
    });
  });

  document.addEventListener('keydown', function (event) {
    // Enter sends, Shift+Enter makes a new line, as in most chat tools.
    if (event.target && event.target.id === 'message' && event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      var form = document.getElementById('message-form');
      if (form) form.requestSubmit();
    }
  });

  // ---- Live updates ----------------------------------------------------------------------------------------

  function setLive(name) {
    var live = document.getElementById('live');
    live.setAttribute('data-state', name);
    live.textContent = t(name === 'live' ? 'live_on' : name === 'connecting' ? 'live_connecting' : 'live_reconnecting');
  }

  var source = new EventSource(config.eventsUrl);
  source.addEventListener('open', function () {
    setLive('live');
  });
  source.addEventListener('error', function () {
    setLive('reconnecting');
  });
  source.addEventListener('session', function () {
    source.close();
    showProblem('error_session');
  });
  source.addEventListener('desk', function (event) {
    var desk = JSON.parse(event.data);
    state.offset = desk.now - Date.now();
    desk.mine.forEach(function (m) {
      delete state.ended[m.conversationId];
      state.known[m.conversationId] = m;
    });
    state.desk = desk;
    setLive('live');
    renderLists();
    renderDetail();
  });
  source.addEventListener('log', function (event) {
    var update = JSON.parse(event.data);
    var log = state.logs[update.conversationId];
    if (!log || log.handoffId !== update.handoffId) log = state.logs[update.conversationId] = { handoffId: update.handoffId, entries: [] };
    log.entries = log.entries.slice(0, update.from).concat(update.entries);
    var closed = update.entries.some(function (e) {
      return e.kind === 'closed';
    });
    if (closed) {
      state.ended[update.conversationId] = state.known[update.conversationId] || { conversationId: update.conversationId, handoffId: update.handoffId, locale: config.locale, reason: 'requested' };
      renderLists();
    }
    if (update.entries.some(function (e) { return e.kind === 'agent_verified'; })) refreshCase(update.conversationId);
    if (state.selected === update.conversationId) renderDetail();
  });

  setInterval(tickTimers, 1000);
})();
