// The control port's page: state from /api/state, traffic and events from /api/events (Server-Sent
// Events, with the retained history first), faults through /api/faults, the reset pin. Plain DOM, no
// framework; every string from the modem goes in as text, never as HTML. With --count N the page shows
// one modem of the fleet (?modem=N, default 0: the plain /api/ paths) and a fleet bar from /api/modems.
'use strict';

(() => {
  /** Rows in the traffic view at most: the oldest go first. */
  const MAX_ROWS = 2000;
  /** Entries kept for re-filtering (the modem keeps 10,000 events; so does the page). */
  const MAX_KEPT = 10000;
  /** Entries held while paused, at most; beyond that the oldest held are dropped and counted. */
  const MAX_HELD = 10000;

  const FAULTS = [
    { kind: 'wifi-drop', title: 'Wi-Fi drop', says: 'WIFI DISCONNECT, the link drops; WIFI CONNECTED and the link back when it ends',
      params: [{ name: 'seconds', type: 'number', hint: 'until ended' }] },
    { kind: 'broker-unreachable', title: 'Broker unreachable', says: 'cut without DISCONNECT (the will is published); new attempts refused',
      params: [{ name: 'seconds', type: 'number', required: true }] },
    { kind: 'broker-stall', title: 'Broker stall', says: 'the connection stays open, nothing passes: the keepalive path',
      params: [{ name: 'seconds', type: 'number', required: true }] },
    { kind: 'ack-delay', title: 'Ack delay', says: "the broker's answers held back: results come late",
      params: [{ name: 'ms', type: 'number', required: true }, { name: 'packet', options: ['', 'puback', 'pubcomp', 'suback', 'unsuback', 'connack'], hint: 'all' },
        { name: 'seconds', type: 'number', hint: 'until ended' }] },
    { kind: 'publish-fail', title: 'Publish fail', says: 'the next N publishes fail, never delivered',
      params: [{ name: 'count', type: 'number', required: true }] },
    { kind: 'error', title: 'Error', says: 'the next matching command answers ERR CODE and ERROR',
      params: [{ name: 'command', type: 'text', required: true, hint: 'AT+MQTTPUB' }, { name: 'code', type: 'text', required: true, hint: '0x00006019' },
        { name: 'count', type: 'number', hint: '1' }] },
    { kind: 'busy', title: 'Busy', says: 'every line gets busy p... for that long',
      params: [{ name: 'ms', type: 'number', required: true }] },
    { kind: 'urc-in-prompt', title: 'URC in prompt', says: 'a URC between OK and > of the next PUBRAW or LONG* prompt', params: [] },
    { kind: 'uart-noise', title: 'UART noise', says: 'bytes lost or bit-flipped on the channel',
      params: [{ name: 'drop_rate', type: 'number', required: true, hint: '0..1' }, { name: 'flip_rate', type: 'number', required: true, hint: '0..1' },
        { name: 'direction', options: ['both', 'to-host', 'to-modem'] }, { name: 'seconds', type: 'number', hint: 'until ended' },
        { name: 'seed', type: 'number', hint: 'random' }] },
    { kind: 'slow-host-link', title: 'Slow host link', says: 'the channel runs at that UART rate',
      params: [{ name: 'baud', type: 'number', required: true, hint: '80..5000000' }, { name: 'seconds', type: 'number', hint: 'until ended' }] },
    { kind: 'registration-lost', title: 'Registration lost', says: 'searching for a network: the MQTT clients drop (wills published); registered again when it ends',
      params: [{ name: 'seconds', type: 'number', hint: 'until ended' }] },
    { kind: 'pdp-deactivated', title: 'PDP deactivated', says: 'the network takes every PDP context down and refuses new ones; the host reactivates after it',
      params: [{ name: 'seconds', type: 'number', hint: 'until ended' }] },
  ];

  const $ = (id) => document.getElementById(id);
  const trafficEl = $('traffic');

  /** The modem this page shows: ?modem=N, or null for modem 0 through the plain /api/ paths. */
  const MODEM = (() => {
    const asked = new URLSearchParams(location.search).get('modem');
    return asked !== null && /^[0-9]+$/.test(asked) ? Number(asked) : null;
  })();

  /** A single-modem API path for the modem shown: /api/state is /api/modems/N/state there. */
  function modemPath(path) {
    return MODEM === null ? path : path.replace(/^\/api\//, `/api/modems/${MODEM}/`);
  }

  // ---------------------------------------------------------------- the API

  async function api(method, path, body) {
    const init = { method, headers: {} };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(modemPath(path), init);
    const text = await response.text();
    let json = null;
    if (text) {
      try { json = JSON.parse(text); } catch { json = null; }
    }
    if (!response.ok) {
      const message = json && json.error ? json.error : `${response.status} ${response.statusText}`;
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return json;
  }

  function text(el, value) {
    el.textContent = value === null || value === undefined || value === '' ? '–' : String(value);
  }

  function clearChildren(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
  }

  function make(tag, className, content) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (content !== undefined) el.textContent = content;
    return el;
  }

  // ---------------------------------------------------------------- info and state

  let processId = null;

  async function loadInfo() {
    const info = await api('GET', '/api/info');
    text($('version'), info.version);
    const c = info.channel;
    const where = c.address || c.path || '';
    let channel = `${c.kind}${where ? ' ' + where : ''}${c.baud ? ' @ ' + c.baud + ' baud' : ''}`;
    if (info.embeddedBroker) channel += ` · embedded broker ${info.embeddedBroker.host}:${info.embeddedBroker.port}`;
    channel += ` · ${info.dialect} · pid ${info.processId}`;
    $('channel').textContent = channel;
    document.title = `atmqtt ${where}`.trim();
    showFaultForms(info.faultKinds);
    return info;
  }

  /** The forms of the kinds this modem's profile takes (a cellular one has no Wi-Fi to drop, a Wi-Fi one no registration). */
  function showFaultForms(kinds) {
    const forms = $('fault-forms');
    const wanted = FAULTS.filter((f) => !kinds || kinds.includes(f.kind));
    const shown = Array.from(forms.children).map((f) => f.dataset.kind);
    if (shown.join() === wanted.map((f) => f.kind).join()) return;
    clearChildren(forms);
    for (const fault of wanted) forms.append(faultForm(fault));
  }

  let stateTimer = null;
  let stateBusy = false;
  let stateAgain = false;

  /** Debounced: a burst of events makes one request, and never two at once. */
  function refreshStateSoon(delay = 150) {
    if (stateTimer !== null) return;
    stateTimer = setTimeout(async () => {
      stateTimer = null;
      if (stateBusy) { stateAgain = true; return; }
      stateBusy = true;
      try {
        renderState(await api('GET', '/api/state'));
        $('state-error').hidden = true;
      } catch (e) {
        $('state-error').textContent = `state: ${e.message}`;
        $('state-error').hidden = false;
      } finally {
        stateBusy = false;
        if (stateAgain) { stateAgain = false; refreshStateSoon(); }
      }
    }, delay);
  }

  function yesNo(value) { return value === null || value === undefined ? '–' : value ? 'yes' : 'no'; }

  function faultParams(spec) {
    const parts = [];
    for (const [k, v] of Object.entries(spec)) {
      if (k !== 'kind' && v !== null && v !== undefined) parts.push(`${k}=${v}`);
    }
    return parts.join(' ');
  }

  function renderState(s) {
    const link = s.link || {};
    const phase = $('link-phase');
    phase.textContent = link.phase || '–';
    phase.className = `badge phase-${link.phase || 'none'}`;
    text($('link-broker'), link.host ? `${link.host}:${link.port}` : null);
    text($('link-client'), link.clientId);
    text($('link-scheme'), link.scheme);
    text($('link-keepalive'), link.keepAlive === null || link.keepAlive === undefined ? null : `${link.keepAlive} s`);
    text($('link-clean'), link.cleanSession === null || link.cleanSession === undefined ? null : yesNo(link.cleanSession));
    text($('link-reconnect'), link.reconnect === null || link.reconnect === undefined ? null : yesNo(link.reconnect));

    const subs = $('subscriptions');
    clearChildren(subs);
    for (const sub of s.subscriptions || []) {
      const li = make('li', 'sub');
      li.append(make('span', 'topic', sub.topic), make('span', 'qos', `QoS ${sub.qos}`));
      subs.append(li);
    }
    if (!subs.firstChild) subs.append(make('li', 'empty', 'none'));
    $('sub-count').textContent = (s.subscriptions || []).length || '';

    const inbound = s.inbound || {};
    text($('q0-text'), `${inbound.qos0Waiting} / ${inbound.qos0Bound}`);
    const ratio = inbound.qos0Bound ? Math.min(1, inbound.qos0Waiting / inbound.qos0Bound) : 0;
    const bar = $('q0-bar');
    bar.style.width = `${(ratio * 100).toFixed(1)}%`;
    bar.className = ratio > 0.8 ? 'hot' : '';
    text($('q0-dropped'), inbound.qos0Dropped);
    $('q0-dropped').className = inbound.qos0Dropped > 0 ? 'warn' : '';
    text($('unacked'), inbound.unacknowledged);

    text($('host-attached'), s.hostAttached ? 'attached' : 'none');
    text($('echo'), s.echo ? 'on (ATE1)' : 'off (ATE0)');
    text($('uart'), s.uartBaud ? `${s.uartBaud} baud` : null);
    const wifi = s.wifi || {};
    text($('wifi'), wifi.joined ? `joined ${wifi.ssid || ''}`.trim() : 'not joined');
    text($('dialect'), s.dialect);

    const c = s.counters || {};
    text($('c-commands'), c.commands);
    text($('c-errors'), c.errors);
    $('c-errors').className = c.errors > 0 ? 'warn' : '';
    text($('c-published'), (c.publishedByQos || []).join(' / '));
    text($('c-received'), (c.receivedByQos || []).join(' / '));
    text($('c-reconnects'), c.reconnects);

    const faults = $('active-faults');
    clearChildren(faults);
    for (const f of s.faults || []) {
      const li = make('li', 'fault');
      const what = make('div', 'what');
      what.append(make('span', 'kind', f.spec.kind), make('span', 'id', f.id));
      const params = faultParams(f.spec);
      const detail = make('div', 'detail mono', params || 'no parameters');
      if (f.ends) {
        const left = Math.max(0, (Date.parse(f.ends) - Date.now()) / 1000);
        detail.append(make('span', 'hint', ` · ends in ${left < 10 ? left.toFixed(1) : Math.round(left)} s`));
      }
      const end = make('button', 'button small', 'End');
      end.type = 'button';
      end.dataset.faultId = f.id;
      end.addEventListener('click', async () => {
        end.disabled = true;
        try { await api('DELETE', `/api/faults/${encodeURIComponent(f.id)}`); } catch (e) { detail.textContent = e.message; }
        refreshStateSoon(0);
      });
      li.append(what, end, detail);
      faults.append(li);
    }
    if (!faults.firstChild) faults.append(make('li', 'empty', 'none'));
    $('fault-count').textContent = (s.faults || []).length || '';
    // A fault that ends by itself says so in an event; its countdown is refreshed meanwhile.
    if ((s.faults || []).some((f) => f.ends)) refreshStateSoon(1000);

    const findings = $('findings');
    clearChildren(findings);
    for (const f of s.findings || []) {
      const li = make('li', 'finding');
      li.append(make('span', 'code', f.code), make('span', 'message', f.message));
      if (f.line) li.append(make('div', 'detail mono', f.line));
      findings.append(li);
    }
    if (!findings.firstChild) findings.append(make('li', 'empty', 'none'));
    $('finding-count').textContent = (s.findings || []).length || '';

    const scenario = s.scenario;
    $('scenario-box').hidden = !scenario;
    if (scenario) {
      $('scenario-name').textContent = scenario.name || '';
      const list = $('scenario');
      clearChildren(list);
      for (const step of scenario.steps || []) {
        const li = make('li', `step status-${step.status}`);
        li.append(make('span', 'name', step.name || ''), make('span', 'status', step.status || ''));
        list.append(li);
      }
    }
    // UTC, as the traffic's times.
    $('state-age').textContent = `updated ${new Date().toISOString().slice(11, 19)}`;
  }

  // ---------------------------------------------------------------- traffic

  /** Every entry received (newest last), for re-filtering. */
  let entries = [];
  /** Entries that came while paused. */
  let held = [];
  let heldDropped = 0;
  let incoming = [];
  let flushTimer = null;
  let paused = false;
  let lastSequence = 0;
  let totalLines = 0;
  const lastKind = { 'to-modem': null, 'to-host': null };
  const lastEnded = { 'to-modem': true, 'to-host': true };

  const FINAL_OK = /^(OK|SEND OK|\+MQTTPUB(RAW)?:OK)$/;
  const FINAL_ERROR = /^(ERROR|SEND FAIL|FAIL|\+MQTTPUB(RAW)?:FAIL|ERR CODE:.*)$/;
  const URC = /^(\+MQTTSUBRECV:|\+MQTTCONNECTED|\+MQTTDISCONNECTED|\+TIME_UPDATED|WIFI |ready$|busy p)/;

  /** What a line is: a command, an echo, a URC, a final result, a prompt... (its CSS class). */
  function classify(direction, textValue) {
    const body = textValue.replace(/(\\r)?(\\n)?$/, '');
    const continued = !lastEnded[direction];
    lastEnded[direction] = textValue.endsWith('\\n');
    let kind;
    if (continued && lastKind[direction]) {
      kind = lastKind[direction];
    } else if (direction === 'to-modem') {
      kind = body === '' ? 'blank' : /^AT/i.test(body) ? 'command' : 'data';
    } else if (body === '') {
      kind = 'blank';
    } else if (FINAL_OK.test(body)) {
      kind = 'ok';
    } else if (FINAL_ERROR.test(body)) {
      kind = 'error';
    } else if (URC.test(body)) {
      kind = 'urc';
    } else if (body.startsWith('>')) {
      kind = 'prompt';
    } else if (/^AT/i.test(body)) {
      kind = 'echo';
    } else {
      kind = 'info';
    }
    lastKind[direction] = kind;
    return kind;
  }

  function entryOf(e) {
    if (e.type === 'line') {
      return { seq: e.sequence, time: e.time, dir: e.direction, text: e.text || '', kind: classify(e.direction, e.text || '') };
    }
    const label = e.type === 'fault' ? `fault ${e.value}${e.id ? ' (' + e.id + ')' : ''}` : e.type;
    return { seq: e.sequence, time: e.time, dir: 'event', text: `${label}: ${e.text || ''}`, kind: `note-${e.type}` };
  }

  function note(textValue) {
    return { seq: 0, time: new Date().toISOString(), dir: 'event', text: textValue, kind: 'note-gap' };
  }

  function matches(entry) {
    const direction = $('direction').value;
    if (entry.dir === 'event') {
      if (!$('show-events').checked) return false;
    } else if (direction !== 'all' && entry.dir !== direction) {
      return false;
    }
    const filter = $('filter').value.trim().toLowerCase();
    return !filter || entry.text.toLowerCase().includes(filter);
  }

  const ESCAPE = /(\\[rnt\\*]|\\x[0-9A-Fa-f]{2}|\*\*\*)/;

  function row(entry) {
    const el = make('div', `row ${entry.dir} k-${entry.kind}`);
    el.dataset.seq = entry.seq;
    el.dataset.dir = entry.dir;
    const time = typeof entry.time === 'string' && entry.time.length >= 23 ? entry.time.slice(11, 23) : '';
    el.append(make('span', 't', time));
    el.append(make('span', 'd', entry.dir === 'to-modem' ? 'h→m' : entry.dir === 'to-host' ? 'm→h' : '---'));
    const x = make('span', 'x');
    // Escapes dimmed, secrets marked; the text content stays the line as the API gave it.
    const parts = entry.text.split(ESCAPE);
    for (let i = 0; i < parts.length; i++) {
      if (parts[i] === '') continue;
      if (i % 2 === 0) {
        x.append(document.createTextNode(parts[i]));
      } else {
        x.append(make('span', parts[i] === '***' ? 'secret' : 'esc', parts[i]));
      }
    }
    el.append(x);
    return el;
  }

  function atBottom() {
    return trafficEl.scrollTop + trafficEl.clientHeight >= trafficEl.scrollHeight - 24;
  }

  function appendRows(list) {
    if (list.length === 0) return;
    const follow = atBottom();
    const fragment = document.createDocumentFragment();
    for (const entry of list.slice(-MAX_ROWS)) {
      if (matches(entry)) fragment.append(row(entry));
    }
    trafficEl.append(fragment);
    let extra = trafficEl.childElementCount - MAX_ROWS;
    while (extra-- > 0) trafficEl.firstElementChild.remove();
    if (follow) trafficEl.scrollTop = trafficEl.scrollHeight;
    $('follow').hidden = follow || atBottom();
    status();
  }

  function rebuild() {
    clearChildren(trafficEl);
    const shown = [];
    for (let i = entries.length - 1; i >= 0 && shown.length < MAX_ROWS; i--) {
      if (matches(entries[i])) shown.push(entries[i]);
    }
    shown.reverse();
    const fragment = document.createDocumentFragment();
    for (const entry of shown) fragment.append(row(entry));
    trafficEl.append(fragment);
    trafficEl.scrollTop = trafficEl.scrollHeight;
    $('follow').hidden = true;
    status();
  }

  function keep(list) {
    for (const entry of list) entries.push(entry);
    if (entries.length > MAX_KEPT) entries = entries.slice(entries.length - MAX_KEPT);
  }

  function status() {
    let s = `${totalLines} lines · ${trafficEl.childElementCount} shown`;
    if (paused) s += ` · paused, ${held.length} held${heldDropped ? `, ${heldDropped} dropped` : ''}`;
    $('traffic-status').textContent = s;
  }

  function flush() {
    flushTimer = null;
    const batch = incoming;
    incoming = [];
    if (paused) {
      for (const entry of batch) held.push(entry);
      if (held.length > MAX_HELD) {
        heldDropped += held.length - MAX_HELD;
        held = held.slice(held.length - MAX_HELD);
      }
      $('pause').textContent = `Resume (${held.length})`;
      status();
      return;
    }
    keep(batch);
    appendRows(batch);
  }

  function receive(e) {
    if (e.sequence <= lastSequence) return; // a replay that overlaps what was shown
    if (lastSequence > 0 && e.sequence > lastSequence + 1) {
      incoming.push(note(`${e.sequence - lastSequence - 1} events not received (the stream fell behind, or they are no longer kept)`));
    } else if (lastSequence === 0 && e.sequence > 1) {
      incoming.push(note(`events 1 to ${e.sequence - 1} are no longer kept: the modem keeps the last 10,000`));
    }
    lastSequence = e.sequence;
    if (e.type === 'line') totalLines++;
    incoming.push(entryOf(e));
    if (flushTimer === null) flushTimer = setTimeout(flush, 40);
    refreshStateSoon(e.type === 'line' ? 300 : 100);
  }

  function setPaused(value) {
    paused = value;
    $('pause').textContent = paused ? 'Resume (0)' : 'Pause';
    $('pause').classList.toggle('active', paused);
    if (!paused) {
      const list = held;
      held = [];
      if (heldDropped > 0) list.unshift(note(`${heldDropped} lines dropped while paused (at most ${MAX_HELD} are held)`));
      heldDropped = 0;
      keep(list);
      appendRows(list);
    }
    status();
  }

  // ---------------------------------------------------------------- the event stream

  let source = null;

  function connect(since) {
    if (source) source.close();
    // The retained history first (since), then live; a reconnect resumes after the last event seen
    // (the browser sends Last-Event-ID, which the server prefers to since).
    source = new EventSource(modemPath(`/api/events?since=${since}`));
    const live = $('live');
    source.onopen = async () => {
      // 'live' once the info is in too: the fault forms the profile takes are on the page by then.
      try {
        const info = await loadInfo();
        if (processId !== null && info.processId !== processId) {
          // Another process on this port: its sequence numbers start again.
          processId = info.processId;
          resetView();
          connect(0);
          return;
        }
        processId = info.processId;
      } catch {
        // the stream says whether the modem is there
      }
      if (source.readyState === EventSource.OPEN) {
        live.textContent = 'live';
        live.className = 'live on';
      }
      refreshStateSoon(0);
    };
    source.onerror = () => {
      live.textContent = source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting';
      live.className = 'live off';
    };
    for (const type of ['line', 'state', 'fault', 'finding', 'scenario']) {
      source.addEventListener(type, (m) => {
        try { receive(JSON.parse(m.data)); } catch { /* a malformed event is skipped */ }
      });
    }
  }

  function resetView() {
    entries = [];
    held = [];
    incoming = [];
    lastSequence = 0;
    totalLines = 0;
    clearChildren(trafficEl);
    status();
  }

  // ---------------------------------------------------------------- fault forms

  function faultForm(fault) {
    const form = make('form', 'fault-form');
    form.id = `fault-${fault.kind}`;
    form.dataset.kind = fault.kind;
    form.noValidate = true;
    const head = make('div', 'head');
    head.append(make('span', 'title', fault.title), make('code', 'kind', fault.kind));
    form.append(head, make('p', 'says', fault.says));
    const fields = make('div', 'fields');
    for (const p of fault.params) {
      const label = make('label', p.required ? 'required' : '');
      label.append(make('span', 'name', p.name));
      let input;
      if (p.options) {
        input = document.createElement('select');
        for (const option of p.options) {
          const o = make('option', '', option === '' ? p.hint || '(any)' : option);
          o.value = option;
          input.append(o);
        }
      } else {
        input = document.createElement('input');
        // Text, even for numbers: what the user typed reaches the API, whose 400 says what is wrong.
        input.type = 'text';
        input.inputMode = p.type === 'number' ? 'decimal' : 'text';
        input.placeholder = p.hint || (p.required ? 'required' : '');
        input.autocomplete = 'off';
        input.spellcheck = false;
      }
      input.name = p.name;
      input.dataset.type = p.type || 'text';
      label.append(input);
      fields.append(label);
    }
    form.append(fields);
    const actions = make('div', 'actions');
    const start = make('button', 'button primary', 'Start');
    start.type = 'submit';
    start.id = `start-${fault.kind}`;
    const result = make('span', 'result');
    result.setAttribute('role', 'status');
    actions.append(start, result);
    form.append(actions);

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = { kind: fault.kind };
      for (const input of form.querySelectorAll('input, select')) {
        const value = input.value.trim();
        if (value === '') continue;
        // A number field with text in it goes as text: the API's 400 says what is wrong with it.
        body[input.name] = input.dataset.type === 'number' && !Number.isNaN(Number(value)) ? Number(value) : value;
      }
      start.disabled = true;
      result.className = 'result';
      result.textContent = 'starting…';
      try {
        const active = await api('POST', '/api/faults', body);
        result.className = 'result ok';
        result.textContent = `started ${active.id}`;
      } catch (e) {
        result.className = 'result error';
        result.textContent = e.message;
      } finally {
        start.disabled = false;
        refreshStateSoon(0);
      }
    });
    return form;
  }

  // ---------------------------------------------------------------- wiring

  function init() {
    $('reset').addEventListener('click', async () => {
      const button = $('reset');
      button.disabled = true;
      button.textContent = 'Resetting…';
      try {
        await api('POST', '/api/reset');
      } catch (e) {
        $('state-error').textContent = `reset: ${e.message}`;
        $('state-error').hidden = false;
      } finally {
        button.disabled = false;
        button.textContent = 'Reset modem';
        refreshStateSoon(0);
      }
    });
    $('end-all').addEventListener('click', async () => {
      try { await api('DELETE', '/api/faults'); } finally { refreshStateSoon(0); }
    });
    $('pause').addEventListener('click', () => setPaused(!paused));
    $('clear').addEventListener('click', () => {
      entries = [];
      clearChildren(trafficEl);
      status();
    });
    let filterTimer = null;
    $('filter').addEventListener('input', () => {
      clearTimeout(filterTimer);
      filterTimer = setTimeout(rebuild, 120);
    });
    $('direction').addEventListener('change', rebuild);
    $('show-events').addEventListener('change', rebuild);
    trafficEl.addEventListener('scroll', () => { $('follow').hidden = atBottom(); });
    $('follow').addEventListener('click', () => {
      trafficEl.scrollTop = trafficEl.scrollHeight;
      $('follow').hidden = true;
    });

    $('download').href = modemPath('/api/transcript');
    $('fleet-pick').addEventListener('change', () => {
      location.search = `?modem=${encodeURIComponent($('fleet-pick').value)}`;
    });

    status();
    refreshStateSoon(0);
    connect(0);
    loadFleet();
  }

  // ---------------------------------------------------------------- the fleet (--count N)

  /** Refreshed while the fleet bar shows: counts by link phase, hosts attached, the list to pick a modem from. */
  const FLEET_EVERY_MS = 2000;
  let fleetShown = -1;

  async function loadFleet() {
    let fleet;
    try {
      const response = await fetch('/api/modems');
      if (!response.ok) throw new Error(`${response.status}`);
      fleet = await response.json();
    } catch {
      setTimeout(loadFleet, FLEET_EVERY_MS);
      return;
    }
    if (fleet.count <= 1 && MODEM === null) return; // one modem: the page as it always was
    renderFleet(fleet);
    setTimeout(loadFleet, FLEET_EVERY_MS);
  }

  function renderFleet(fleet) {
    const shown = MODEM === null ? 0 : MODEM;
    $('fleet').hidden = false;
    $('fleet-count').textContent = `${fleet.count} modems`;
    $('fleet-hosts').textContent = `${fleet.hostsAttached} with a host`;
    const phases = $('fleet-phases');
    clearChildren(phases);
    for (const [phase, n] of Object.entries(fleet.phases)) {
      const badge = make('span', `badge phase-${phase}`, `${phase} ${n}`);
      badge.dataset.phase = phase;
      badge.dataset.count = String(n);
      phases.appendChild(badge);
    }
    const pick = $('fleet-pick');
    if (fleetShown !== fleet.count) {
      // Built once per fleet size; later refreshes only relabel, so an open list is not rebuilt under the mouse.
      clearChildren(pick);
      for (const m of fleet.modems) pick.appendChild(make('option', '', ''));
      fleetShown = fleet.count;
    }
    fleet.modems.forEach((m, i) => {
      const option = pick.options[i];
      const where = m.channel.address || m.channel.path || m.channel.kind;
      option.value = String(m.index);
      option.textContent = `${m.index} · ${where} · ${m.links.join(', ')}${m.hostAttached ? ' · host' : ''}${m.faults ? ` · ${m.faults} fault${m.faults > 1 ? 's' : ''}` : ''}`;
    });
    pick.value = String(shown);
    $('fleet-this').textContent = `modem ${shown}`;
  }

  document.addEventListener('DOMContentLoaded', init);
})();
