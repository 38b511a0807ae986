import type { RolloutState } from '../functions/shared/rollout/model';
import { FINAL_STATES } from '../functions/shared/rollout/model';
import type { InstanceSpan, RehearsalResult, RolloutTrack, TimelineEntry } from './result';

/**
 * The rehearsal as one HTML file that opens offline: inline CSS and inline SVG, no script, no
 * font or image to fetch (its Content-Security-Policy refuses any). Every text of the result
 * (log lines included) is escaped, so a line of a log can never become markup.
 */

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** Tagged template: every interpolated value is escaped unless it is markup built here (`Html`). Not named `html`: prettier would reformat the templates as HTML, adding whitespace to the page.. */
class Html {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}
type Part = Html | string | number | readonly Html[];
const markup = (strings: TemplateStringsArray, ...parts: Part[]): Html =>
  new Html(
    strings.reduce((out, s, i) => {
      const part = i === 0 ? undefined : parts[i - 1];
      const text =
        part === undefined
          ? ''
          : part instanceof Html
            ? part.markup
            : Array.isArray(part)
              ? part.map((p: Html) => p.markup).join('')
              : escapeHtml(String(part));
      return out + text + s;
    }, ''),
  );

const WIDTH = 1240;
const LABEL_WIDTH = 190;
const PLOT_LEFT = LABEL_WIDTH + 6;
const PLOT_WIDTH = WIDTH - PLOT_LEFT - 20;
const AXIS_HEIGHT = 26;
const INSTANCE_ROW = 14;
const HEADER_ROW = 20;
const ROLLOUT_ROW = 20;
/** Roughly one character of the chart's 10-11 px sans-serif: enough to tell whether a name fits. */
const CHAR_WIDTH = 6.2;

const ROLE_ORDER: Record<InstanceSpan['role'], number> = { manager: 0, canary: 1, job: 2 };

/** One colour per state, light enough for dark text, grouped by meaning (hues: see the CSS). */
const STATE_COLOURS: Record<RolloutState, string> = {
  refused: '#f3b38a',
  staged: '#bcd7f5',
  'canary-booting': '#9cc4ef',
  'canary-testing': '#7fb0e8',
  applying: '#a9c1f0',
  'promotion-deferred': '#f0d27a',
  'awaiting-maintenance': '#dcd5b4',
  draining: '#cdb8ef',
  replacing: '#b9a0e6',
  verifying: '#a88bdc',
  baking: '#8fd3c9',
  done: '#7ccf8e',
  rejected: '#f29b7a',
  'rollback-draining': '#f3bdd3',
  'rollback-replacing': '#eca3c1',
  'rollback-verifying': '#e58caf',
  'rolled-back': '#de6f9a',
  superseded: '#c4c9cf',
  failed: '#f07178',
};

const ms = (iso: string): number => Date.parse(iso);
const pad = (n: number): string => String(n).padStart(2, '0');
/** Times are UTC throughout, as the logs write them. */
const clock = (iso: string): string => {
  const d = new Date(iso);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
};
const dayClock = (iso: string): string => `${iso.slice(5, 10)} ${clock(iso)}`;
const longTime = (iso: string): string => `${iso.slice(0, 10)} ${clock(iso)} UTC`;
const round = (n: number): number => Math.round(n * 10) / 10;
const px = (n: number): string => String(round(n));

interface Scale {
  readonly x: (iso: string) => number;
  readonly from: number;
  readonly until: number;
}

const scaleOf = (result: RehearsalResult): Scale => {
  const from = ms(result.from);
  const until = Math.max(ms(result.until), from + 1);
  const x = (iso: string) => {
    const t = Math.min(Math.max(ms(iso), from), until);
    return PLOT_LEFT + ((t - from) / (until - from)) * PLOT_WIDTH;
  };
  return { x, from, until };
};

/** Ticks at a round step giving at most about 16 labels across the night. */
const ticks = (scale: Scale): string[] => {
  const minute = 60_000;
  const steps = [15, 30, 60, 120, 180, 360, 720, 1440].map((m) => m * minute);
  const step = steps.find((s) => (scale.until - scale.from) / s <= 16) ?? 1440 * minute;
  const out: string[] = [];
  for (let t = Math.ceil(scale.from / step) * step; t <= scale.until; t += step)
    out.push(new Date(t).toISOString());
  return out;
};

/**
 * Images running when the night began are the old ones; any image launched later is new (a
 * candidate or its promotion). When nothing ran at the start, the first image launched is old.
 */
const oldImagesOf = (result: RehearsalResult): ReadonlySet<string> => {
  const atStart = result.instances.filter((i) => ms(i.launchedAt) <= ms(result.from)).map((i) => i.imageId);
  if (atStart.length > 0) return new Set(atStart);
  const first = [...result.instances].sort((a, b) => ms(a.launchedAt) - ms(b.launchedAt))[0];
  return new Set(first ? [first.imageId] : []);
};

interface InstanceGroup {
  readonly name: string;
  readonly role: InstanceSpan['role'];
  readonly instances: readonly InstanceSpan[];
}

/** Manager groups first, then the canaries, then the job groups; instances by launch time. */
const groupsOf = (instances: readonly InstanceSpan[]): InstanceGroup[] => {
  const byName = new Map<string, InstanceSpan[]>();
  for (const i of instances) {
    const name = i.role === 'canary' ? 'canaries' : (i.group ?? 'no group');
    byName.set(name, [...(byName.get(name) ?? []), i]);
  }
  return [...byName.entries()]
    .map(([name, members]) => ({
      name,
      role: members.reduce<InstanceSpan['role']>(
        (role, i) => (ROLE_ORDER[i.role] < ROLE_ORDER[role] ? i.role : role),
        'job',
      ),
      instances: [...members].sort((a, b) => ms(a.launchedAt) - ms(b.launchedAt) || a.id.localeCompare(b.id)),
    }))
    .sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.name.localeCompare(b.name));
};

const instanceRow = (i: InstanceSpan, y: number, scale: Scale, oldImages: ReadonlySet<string>): Html => {
  const age = oldImages.has(i.imageId) ? 'old' : 'new';
  const end = i.endedAt ?? new Date(scale.until).toISOString();
  const x0 = scale.x(i.launchedAt);
  const width = Math.max(scale.x(end) - x0, 1.5);
  const killed = i.jobs.filter((j) => j.killedAt !== undefined);
  // All jobs of an instance in one path, each after the first placed relative to the one before
  // (after `z` the pen is back at its start): a night of 500 instances stays a few hundred KB.
  let pen = 0;
  const jobPath = i.jobs
    .filter((j) => j.killedAt === undefined)
    .map((j, n) => {
      const jx = round(scale.x(j.startedAt));
      const w = px(Math.max(scale.x(j.endedAt) - jx, 1));
      const move = n === 0 ? `M${px(jx)} ${px(y + 3)}` : `m${px(jx - pen)} 0`;
      pen = jx;
      return `${move}h${w}v4h-${w}z`;
    })
    .join('');
  const summary =
    `${i.id}, ${i.role}${i.group ? ` in ${i.group}` : ''}, ${i.imageId} (${age}): ` +
    `${dayClock(i.launchedAt)} to ${i.endedAt ? dayClock(i.endedAt) : 'the end (running)'} UTC, ` +
    `${i.jobs.length} job${i.jobs.length === 1 ? '' : 's'}${killed.length > 0 ? `, ${killed.length} killed` : ''}`;
  return markup`<g class="inst"><title>${summary}</title><text class="label" x="${px(LABEL_WIDTH)}" y="${px(y + 9)}">${i.id}</text><rect class="bar ${i.role} ${age}" x="${px(x0)}" y="${px(y + 1)}" width="${px(width)}" height="10" rx="2"/>${jobPath ? markup`<path class="jobs" d="${jobPath}"/>` : ''}${killed.map(
    (j) => {
      const jx = scale.x(j.startedAt);
      return markup`<rect class="killed" x="${px(jx)}" y="${px(y)}" width="${px(Math.max(scale.x(j.endedAt) - jx, 2))}" height="12"><title>job ${j.id} killed at ${longTime(j.killedAt ?? j.endedAt)} (started ${longTime(j.startedAt)})</title></rect>`;
    },
  )}</g>`;
};

interface Segment {
  readonly state: RolloutState;
  readonly start: string;
  readonly end: string;
  readonly notes: readonly string[];
}

/** Consecutive history entries of one state make one segment, up to the next state's entry. */
const segmentsOf = (rollout: RolloutTrack, until: string): Segment[] => {
  const merged: { state: RolloutState; start: string; notes: string[] }[] = [];
  for (const entry of rollout.states) {
    const last = merged.at(-1);
    if (last?.state === entry.state) last.notes.push(`${clock(entry.at)} ${entry.note}`);
    else merged.push({ state: entry.state, start: entry.at, notes: [`${clock(entry.at)} ${entry.note}`] });
  }
  return merged.map((s, n) => ({
    ...s,
    end: merged[n + 1]?.start ?? (FINAL_STATES.has(s.state) ? s.start : until),
  }));
};

const rolloutRow = (rollout: RolloutTrack, y: number, scale: Scale, until: string): Html => {
  const segments = segmentsOf(rollout, until);
  const last = segments.at(-1);
  const finished = last !== undefined && FINAL_STATES.has(last.state);
  const label = `${rollout.fleet} ${rollout.kind}`;
  const title = `${rollout.fleet}: ${rollout.kind} of candidate ${rollout.candidateId}, ${
    last
      ? finished
        ? `ended ${last.state}`
        : `still ${last.state} at the end of the night`
      : 'no state recorded'
  }`;
  return markup`<g class="rollout"><title>${title}</title><text class="label" x="${px(LABEL_WIDTH)}" y="${px(y + 14)}">${label}</text>${segments.map(
    (s) => {
      const x0 = scale.x(s.start);
      // A final state has no duration: a mark with its name beside it.
      const final = finished && s === last;
      const width = final ? 4 : Math.max(scale.x(s.end) - x0, 2);
      const fits = !final && width >= s.state.length * CHAR_WIDTH + 6;
      const tip = `${s.state}: ${longTime(s.start)}${final ? '' : ` to ${longTime(s.end)}`}\n${s.notes.join('\n')}`;
      const name =
        final || fits
          ? markup`<text class="state" x="${px(x0 + (final ? 7 : 3))}" y="${px(y + 14)}">${s.state}</text>`
          : '';
      return markup`<g class="seg"><title>${tip}</title><rect x="${px(x0)}" y="${px(y + 2)}" width="${px(width)}" height="16" fill="${STATE_COLOURS[s.state]}"/>${name}</g>`;
    },
  )}</g>`;
};

const chart = (result: RehearsalResult): Html => {
  const scale = scaleOf(result);
  const oldImages = oldImagesOf(result);
  const rows: Html[] = [];
  let y = AXIS_HEIGHT;
  for (const group of groupsOf(result.instances)) {
    rows.push(
      markup`<text class="group" x="4" y="${px(y + 14)}">${group.name} (${group.instances.length})</text>`,
    );
    y += HEADER_ROW;
    for (const i of group.instances) {
      rows.push(instanceRow(i, y, scale, oldImages));
      y += INSTANCE_ROW;
    }
  }
  rows.push(markup`<text class="group" x="4" y="${px(y + 16)}">rollouts (${result.rollouts.length})</text>`);
  y += HEADER_ROW + 4;
  for (const rollout of result.rollouts) {
    rows.push(rolloutRow(rollout, y, scale, result.until));
    y += ROLLOUT_ROW + 2;
  }
  const height = px(y + 6);
  const grid = ticks(scale).map((t) => {
    const x = px(scale.x(t));
    return markup`<line class="grid" x1="${x}" x2="${x}" y1="${AXIS_HEIGHT - 6}" y2="${height}"/><text class="tick" x="${x}" y="14">${clock(t)}</text>`;
  });
  return markup`<svg id="chart" role="img" aria-label="timeline of instances and rollouts" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}">${grid}${rows}</svg>`;
};

const legend = (result: RehearsalResult): Html => {
  const oldImages = oldImagesOf(result);
  const images = [...new Set(result.instances.map((i) => i.imageId))];
  const swatch = (cls: string, text: string) =>
    markup`<span class="key"><i class="${cls}"></i>${text}</span>`;
  const roles = (['manager', 'canary', 'job'] as const).flatMap((role) => [
    swatch(`bar ${role} old`, `${role}, old image`),
    swatch(`bar ${role} new`, `${role}, new image`),
  ]);
  const states = (Object.keys(STATE_COLOURS) as RolloutState[])
    .filter((s) => result.rollouts.some((r) => r.states.some((h) => h.state === s)))
    .map(
      (s) =>
        markup`<span class="key"><i style="background:${STATE_COLOURS[s]}"></i>${s}${FINAL_STATES.has(s) ? ' (final)' : ''}</span>`,
    );
  const oldList = images.filter((i) => oldImages.has(i)).join(', ') || 'none';
  const newList = images.filter((i) => !oldImages.has(i)).join(', ') || 'none';
  return markup`<p class="legend">${roles}${swatch('jobs', 'job')}${swatch('killed', 'job killed')}</p>
<p class="legend">old image: ${oldList}; new image: ${newList}</p>
<p class="legend">${states}</p>`;
};

const fleetsTable = (result: RehearsalResult): Html =>
  markup`<table><thead><tr><th>fleet</th><th>bakes</th><th>candidates</th><th>promotions</th><th>rollbacks</th><th>drains</th><th>replacements</th></tr></thead><tbody>${result.fleets.map(
    (f) =>
      markup`<tr><td>${f.fleet}</td><td class="n">${f.bakes}</td><td class="n">${f.candidates}</td><td class="n">${f.promotions}</td><td class="n">${f.rollbacks}</td><td class="n">${f.drains}</td><td class="n">${f.replacements}</td></tr>`,
  )}</tbody></table>
<p>Jobs: ${result.jobs.started} started, ${result.jobs.finished} finished, ${result.jobs.waitingAtEnd} waiting at the end.</p>`;

const alertsList = (result: RehearsalResult): Html =>
  result.alerts.length === 0
    ? markup`<p>No alert would have been sent.</p>`
    : markup`<ul class="alerts">${result.alerts.map(
        (a) => markup`<li><b>${dayClock(a.at)}</b> ${a.subject}<pre>${a.text}</pre></li>`,
      )}</ul>`;

const apiCallsTable = (result: RehearsalResult): Html => {
  const rows = Object.entries(result.apiCalls)
    .map(([service, calls]) => {
      const ops = Object.entries(calls).sort(([a, m], [b, n]) => n - m || a.localeCompare(b));
      return { service, total: ops.reduce((sum, [, n]) => sum + n, 0), ops };
    })
    .sort((a, b) => b.total - a.total || a.service.localeCompare(b.service));
  const total = rows.reduce((sum, r) => sum + r.total, 0);
  return markup`<table><thead><tr><th>function</th><th>calls</th><th>by operation</th></tr></thead><tbody>${rows.map(
    (r) =>
      markup`<tr><td>${r.service}</td><td class="n">${r.total}</td><td>${r.ops.map(([op, n]) => `${op} ${n}`).join(', ')}</td></tr>`,
  )}<tr class="total"><td>all functions</td><td class="n">${total}</td><td></td></tr></tbody></table>`;
};

type Mark = 'pass' | 'fail' | 'open';
const safetyTable = (result: RehearsalResult): Html => {
  const s = result.safety;
  const rows: [string, number, Mark, string][] = [
    ['jobs killed', s.jobsKilled, s.jobsKilled === 0 ? 'pass' : 'fail', 'must be 0'],
    ...Object.entries(s.mostManagers).map(([group, n]): [string, number, Mark, string] => [
      `most managers at once in ${group}`,
      n,
      n <= 1 ? 'pass' : 'fail',
      'must be 1',
    ]),
    [
      'rollouts unfinished',
      s.rolloutsUnfinished,
      s.rolloutsUnfinished === 0 ? 'pass' : 'open',
      'still under way when the night ended (a wait for a window is not a failure)',
    ],
    ['violations', s.violations.length, s.violations.length === 0 ? 'pass' : 'fail', 'must be none'],
  ];
  const violations =
    s.violations.length > 0
      ? markup`<ul class="violations">${s.violations.map((v) => markup`<li>${v}</li>`)}</ul>`
      : '';
  return markup`<table class="safety"><thead><tr><th>figure</th><th>value</th><th>verdict</th><th>rule</th></tr></thead><tbody>${rows.map(
    ([name, value, mark, rule]) =>
      markup`<tr><td>${name}</td><td class="n">${value}</td><td class="${mark}">${mark}</td><td>${rule}</td></tr>`,
  )}</tbody></table>${violations}`;
};

interface TimelineRow {
  readonly entry: TimelineEntry;
  readonly lastAt: string;
  readonly times: number;
}

/** A run of invocations saying the same thing (the reconciler every few minutes) is one row. */
const timelineRows = (timeline: readonly TimelineEntry[]): TimelineRow[] => {
  const same = (a: TimelineEntry, b: TimelineEntry) =>
    a.service === b.service &&
    a.via === b.via &&
    a.attempt === b.attempt &&
    a.outcome === b.outcome &&
    a.said.join('\n') === b.said.join('\n');
  const rows: TimelineRow[] = [];
  for (const entry of timeline) {
    const last = rows.at(-1);
    if (last && same(last.entry, entry))
      rows[rows.length - 1] = { ...last, lastAt: entry.at, times: last.times + 1 };
    else rows.push({ entry, lastAt: entry.at, times: 1 });
  }
  return rows;
};

const timelineTable = (result: RehearsalResult): Html =>
  markup`<table class="timeline"><thead><tr><th>time (UTC)</th><th>function</th><th>outcome</th><th>what it said</th></tr></thead><tbody>${timelineRows(
    result.timeline,
  ).map(({ entry: e, lastAt, times }) => {
    const when = times > 1 ? markup` to ${clock(lastAt)}<br><small>${times} times</small>` : '';
    const attempt = e.attempt > 0 ? ` (attempt ${e.attempt + 1})` : '';
    const said = e.said.map((line, n) => markup`${n > 0 ? markup`<br>` : ''}${line}`);
    return markup`<tr><td title="${e.at}">${dayClock(e.at)}${when}</td><td>${e.service}${attempt}<br><small>${e.via}</small></td><td>${e.outcome}</td><td>${said}</td></tr>`;
  })}</tbody></table>`;

const CSS = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1f2328;margin:16px;max-width:1248px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px;border-bottom:1px solid #d0d7de}h3{font-size:15px;margin:16px 0 6px}
.sub{color:#57606a;margin:0 0 8px}.verdict{font-weight:600;padding:1px 8px;border-radius:10px}
svg{display:block;max-width:100%;height:auto;font-family:inherit}
.label{font-size:10px;text-anchor:end;fill:#24292f;font-family:ui-monospace,"DejaVu Sans Mono",monospace}
.group{font-size:12px;font-weight:600;fill:#24292f}.tick{font-size:10px;text-anchor:middle;fill:#57606a}
.grid{stroke:#eaeef2}.state{font-size:10px;fill:#111;pointer-events:none}
.bar.manager.old{fill:#9db8d9}.bar.manager.new{fill:#1f5fa8}
.bar.canary.old{fill:#f3c98b}.bar.canary.new{fill:#d9822b}
.bar.job.old{fill:#a8d5a2}.bar.job.new{fill:#3b8f3a}
.jobs{fill:#1f2328;opacity:.6}.killed{fill:#d1242f}
.legend{margin:4px 0;font-size:12px;color:#424a53}.key{margin-right:12px;white-space:nowrap}
.key i{display:inline-block;width:14px;height:10px;margin-right:4px;vertical-align:-1px;border-radius:2px}
.key i.bar.manager.old{background:#9db8d9}.key i.bar.manager.new{background:#1f5fa8}
.key i.bar.canary.old{background:#f3c98b}.key i.bar.canary.new{background:#d9822b}
.key i.bar.job.old{background:#a8d5a2}.key i.bar.job.new{background:#3b8f3a}
.key i.jobs{background:#1f2328;opacity:.6;height:4px;vertical-align:2px}.key i.killed{background:#d1242f}
table{border-collapse:collapse;margin:4px 0 8px;font-size:13px}
th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f6f8fa}
td.n{text-align:right;font-variant-numeric:tabular-nums}tr.total td{font-weight:600}
td.pass,.verdict.pass{background:#dafbe1;color:#116329}td.fail,.verdict.fail{background:#ffebe9;color:#a40e26}
td.open{background:#fff8c5;color:#7d4e00}td.pass,td.fail,td.open{font-weight:600}
td:first-child{white-space:nowrap}.timeline small{color:#57606a}
.alerts pre{white-space:pre-wrap;background:#f6f8fa;padding:6px;margin:4px 0 8px}
`;

/** The rehearsal's report: a self-contained HTML page (see the module comment). */
export const reportHtml = (result: RehearsalResult): string => {
  const faults = result.faults.length > 0 ? result.faults.join(' ') : 'none';
  const verdict: Mark = result.ok ? 'pass' : 'fail';
  const night = `${longTime(result.from)} to ${longTime(result.until)}`;
  return `<!doctype html>
${
  markup`<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rehearsal of ${result.config}: ${night}</title>
<style>${new Html(CSS)}</style></head><body>
<h1>Rehearsal of ${result.config}</h1>
<p class="sub">Night ${night} · faults: ${faults} · safety: <span class="verdict ${verdict}">${verdict}</span></p>
<h2>Timeline</h2>
${legend(result)}
${chart(result)}
<h2>Summary</h2>
<h3>Per fleet</h3>
${fleetsTable(result)}
<h3>Alerts</h3>
${alertsList(result)}
<h3>AWS API calls per function</h3>
${apiCallsTable(result)}
<h3>Safety</h3>
${safetyTable(result)}
<h2 id="timeline">What happened, in the logs' words</h2>
${timelineTable(result)}
</body></html>
`.markup
}`;
};
