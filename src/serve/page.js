// phbsim serve: the controls panel and the live redraw. Plain JavaScript, no library,
// nothing fetched but this server's own answers.
'use strict';
(function () {
  const token = new URLSearchParams(location.search).get('token') || '';
  const api = (path) => path + '?token=' + encodeURIComponent(token);
  const $ = (id) => document.getElementById(id);
  // The what-if: value by parameter path, as a [[variants]] entry's `set` holds them.
  const whatIf = new Map();
  const starts = new Map();
  let seq = 0;
  let changedAt = performance.now();
  let timer = null;

  function status(text, kind) {
    const el = $('status');
    el.textContent = text;
    el.className = kind || '';
  }

  // What a typed value is sent as: a number where it reads as one, else the text
  // itself, which the scenario's checks then name as `phbsim validate` would.
  function typed(control, text) {
    if (control.input === 'month') return text.trim();
    const t = text.trim();
    return /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) ? Number(t) : t;
  }

  function same(a, b) {
    return typeof a === typeof b && String(a) === String(b);
  }

  function set(control, value, box) {
    if (same(value, starts.get(control.path))) whatIf.delete(control.path);
    else whatIf.set(control.path, value);
    box.classList.toggle('changed', whatIf.has(control.path));
    listChanges();
  }

  function schedule(delay) {
    changedAt = performance.now();
    clearTimeout(timer);
    timer = setTimeout(send, delay);
  }

  function buildControl(control) {
    const box = document.createElement('div');
    box.className = 'control';
    box.dataset.path = control.path;
    const id = 'c-' + control.path.replace(/[^a-z0-9]/gi, '-');
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = control.label + (control.unit ? ' (' + control.unit + ')' : '');
    label.title = control.meaning;
    const now = document.createElement('div');
    now.className = 'now';
    now.textContent = 'Scenario: ' + control.current;
    const row = document.createElement('div');
    row.className = 'row';
    const value = document.createElement('input');
    value.id = id;
    value.className = 'value';
    value.type = control.input === 'month' ? 'month' : 'text';
    value.value = String(control.start);
    value.setAttribute('aria-label', control.label);
    starts.set(control.path, control.start);
    let range = null;
    if (control.input !== 'month') {
      value.inputMode = 'decimal';
      range = document.createElement('input');
      range.type = 'range';
      range.min = control.min;
      range.max = control.max;
      range.step = control.step;
      range.value = control.start;
      range.setAttribute('aria-label', control.label + ' slider');
      range.addEventListener('input', () => {
        value.value = range.value;
        set(control, Number(range.value), box);
        schedule(80);
      });
      range.addEventListener('change', () => schedule(0));
      row.appendChild(range);
    } else {
      value.min = control.min;
      value.max = control.max;
    }
    value.addEventListener('change', () => {
      const v = typed(control, value.value);
      if (range && typeof v === 'number') range.value = v;
      set(control, v, box);
      schedule(0);
    });
    const undo = document.createElement('button');
    undo.type = 'button';
    undo.textContent = '↺';
    undo.title = 'Back to the scenario\'s value';
    undo.addEventListener('click', () => {
      value.value = String(control.start);
      if (range) range.value = control.start;
      set(control, control.start, box);
      schedule(0);
    });
    row.appendChild(value);
    row.appendChild(undo);
    box.append(label, now, row);
    box.reset = () => {
      value.value = String(control.start);
      if (range) range.value = control.start;
      box.classList.remove('changed');
    };
    return box;
  }

  function buildControls(groups) {
    const root = $('controls');
    groups.forEach((group, i) => {
      const details = document.createElement('details');
      details.className = 'group';
      details.open = i === 0;
      const summary = document.createElement('summary');
      summary.textContent = group.title;
      details.appendChild(summary);
      group.controls.forEach((c) => details.appendChild(buildControl(c)));
      root.appendChild(details);
    });
  }

  function listChanges() {
    const el = $('changes');
    el.textContent = '';
    if (whatIf.size === 0) return;
    const p = document.createElement('p');
    p.textContent = 'The what-if sets:';
    const ul = document.createElement('ul');
    whatIf.forEach((v, path) => {
      const li = document.createElement('li');
      const code = document.createElement('code');
      code.textContent = path + ' = ' + JSON.stringify(v);
      li.appendChild(code);
      ul.appendChild(li);
    });
    el.append(p, ul);
  }

  function draw(data, mine) {
    $('headline').innerHTML = data.headline;
    $('variants').innerHTML = data.variants;
    $('providers').innerHTML = data.providers;
    $('summary-csv').textContent = data.summary_csv;
    $('compare-csv').textContent = data.compare_csv;
    const banner = $('banner');
    banner.className = whatIf.size ? 'what-if' : '';
    banner.textContent = whatIf.size
      ? 'Showing the what-if (' + whatIf.size + ' change' + (whatIf.size > 1 ? 's' : '') + '): its headlines and charts, and below them the paired difference from the base.'
      : 'Showing the base: the scenario as written. Move a control to ask a what-if.';
    document.body.dataset.drawn = String(mine);
  }

  async function send() {
    const mine = ++seq;
    const from = changedAt;
    const body = JSON.stringify({ seq: mine, set: Object.fromEntries(whatIf) });
    status('Running the what-if…', 'busy');
    let res;
    let data;
    try {
      res = await fetch(api('/api/whatif'), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      });
      data = await res.json();
    } catch (e) {
      if (mine === seq) status('No answer from phbsim serve: is it still running?', 'bad');
      return;
    }
    if (mine !== seq || (res.status === 409 && data.superseded)) return;
    const problems = $('problems');
    if (!res.ok) {
      problems.textContent = data.error || ('error ' + res.status);
      problems.hidden = false;
      status('This what-if cannot run; the page still shows the last answer.', 'bad');
      document.body.dataset.refused = String(mine);
      return;
    }
    problems.hidden = true;
    draw(data, mine);
    requestAnimationFrame(() => setTimeout(() => {
      const seconds = (performance.now() - from) / 1000;
      window.phbsimLast = { seq: mine, roundTrip: seconds, server: data.server_seconds };
      status('Answered in ' + seconds.toFixed(2) + ' s (the run and drawing on the server: '
        + data.server_seconds.toFixed(2) + ' s).');
    }, 0));
  }

  async function keep() {
    const name = $('keep-name').value.trim();
    if (!name) {
      status('Give the variant a name first.', 'bad');
      return;
    }
    const body = JSON.stringify({
      name,
      description: $('keep-description').value,
      set: Object.fromEntries(whatIf),
    });
    let res;
    let data;
    try {
      res = await fetch(api('/api/keep'), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      data = await res.json();
    } catch (e) {
      status('No answer from phbsim serve: is it still running?', 'bad');
      return;
    }
    const problems = $('problems');
    if (!res.ok) {
      problems.textContent = data.error;
      problems.hidden = false;
      status('Not kept; the file is as it was.', 'bad');
      return;
    }
    problems.hidden = true;
    status('Kept as variant “' + data.name + '” in ' + data.file + '.');
    document.body.dataset.kept = data.name;
  }

  $('reset').addEventListener('click', () => {
    whatIf.clear();
    document.querySelectorAll('.control').forEach((box) => box.reset());
    listChanges();
    schedule(0);
  });
  $('keep').addEventListener('click', keep);

  fetch(api('/api/controls'))
    .then((res) => res.json())
    .then((info) => {
      buildControls(info.groups);
      send();
    })
    .catch(() => status('Could not load the controls: is phbsim serve still running?', 'bad'));
})();
