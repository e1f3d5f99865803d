// The development outbox page: lists what the bot "sent" (newest first) and adds new messages as the
// server pushes them (Server-Sent Events). Text is only ever set as text, never as markup.
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('outbox-config').textContent);
  var copy = config.copy;
  var list = document.getElementById('messages');
  var empty = document.getElementById('empty');
  var live = document.getElementById('live');
  var seen = {};

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function add(entry) {
    if (seen[entry.id]) return;
    seen[entry.id] = true;
    var item = el('li');
    var article = el('article');
    article.setAttribute('data-channel', entry.channel);
    article.setAttribute('data-to', entry.to);
    var heading = el('h2');
    heading.appendChild(el('span', 'channel', entry.channel === 'sms' ? copy.outbox_channel_sms : copy.outbox_channel_email));
    heading.appendChild(document.createTextNode(entry.to));
    article.appendChild(heading);
    var details = el('dl');
    var time = el('time', null, new Date(entry.sentAt).toLocaleString(config.locale === 'es' ? 'es-ES' : 'en-US'));
    time.setAttribute('datetime', entry.sentAt);
    details.appendChild(el('dt', null, copy.outbox_to));
    details.appendChild(el('dd', null, entry.to));
    details.appendChild(el('dt', null, copy.outbox_sent_at));
    var when = el('dd');
    when.appendChild(time);
    details.appendChild(when);
    if (entry.subject) {
      details.appendChild(el('dt', null, copy.outbox_subject));
      details.appendChild(el('dd', null, entry.subject));
    }
    article.appendChild(details);
    article.appendChild(el('pre', 'text', entry.text));
    item.appendChild(article);
    list.insertBefore(item, list.firstChild);
    empty.hidden = true;
  }

  var events = new EventSource(config.eventsUrl);
  events.addEventListener('open', function () {
    live.textContent = copy.outbox_live;
    live.setAttribute('data-state', 'live');
  });
  events.addEventListener('error', function () {
    live.textContent = copy.outbox_reconnecting;
    live.setAttribute('data-state', 'reconnecting');
  });
  events.addEventListener('message', function (event) {
    try {
      add(JSON.parse(event.data));
    } catch (e) {
      /* a malformed event is skipped */
    }
  });
})();
