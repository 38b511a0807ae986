import { reportHtml } from '../../rehearsal/report-html';
import { builtResult, HOSTILE } from './report-fixture';

/** Every tag name the page opens: markup the report did not write would show up here. */
const tagsOf = (page: string): Set<string> =>
  new Set([...page.matchAll(/<([a-zA-Z][\w-]*)/g)].map((m) => m[1]!.toLowerCase()));

const count = (page: string, pattern: RegExp): number => [...page.matchAll(pattern)].length;

describe('reportHtml', () => {
  it('escapes every text of the result, so log lines and names never become markup', () => {
    const result = builtResult();

    const page = reportHtml(result);

    expect(page).not.toContain(HOSTILE);
    expect(page).not.toMatch(/<script|<img|onerror="/i);
    expect(page).toContain(
      '&lt;img src=&quot;https://evil.example/x.png&quot; onerror=&quot;alert(1)&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;amp;',
    );
    expect([...tagsOf(page)].sort()).toEqual(
      [
        'b',
        'body',
        'br',
        'g',
        'h1',
        'h2',
        'h3',
        'head',
        'html',
        'i',
        'li',
        'line',
        'meta',
        'p',
        'path',
        'pre',
        'rect',
        'small',
        'span',
        'style',
        'svg',
        'table',
        'tbody',
        'td',
        'text',
        'th',
        'thead',
        'title',
        'tr',
        'ul',
      ].sort(),
    );
  });

  it('references no resource outside the file and forbids loading any', () => {
    const page = reportHtml(builtResult());

    expect(page).not.toMatch(/\b(?:src|href|srcset|action|xlink:href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(page).not.toMatch(/url\(|@import|<link|<script/i);
    expect(page).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    );
  });

  it('draws one chart row per instance and per rollout, and a killed job in red', () => {
    const result = builtResult({ jobInstances: 20 });

    const page = reportHtml(result);

    expect(count(page, /<g class="inst">/g)).toBe(result.instances.length);
    expect(count(page, /<g class="rollout">/g)).toBe(result.rollouts.length);
    expect(count(page, /<rect class="killed"/g)).toBe(1);
    expect(page).toContain(
      '<title>job job-1-0 killed at 2026-12-08 18:37 UTC (started 2026-12-08 18:12 UTC)</title>',
    );
  });

  it('groups instances manager first, then canaries, then jobs, coloured by role and old or new image', () => {
    const page = reportHtml(builtResult());

    const groups = [...page.matchAll(/<text class="group"[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(groups).toEqual([
      'gitlab-runner-manager (2)',
      'canaries (1)',
      'gitlab-runner-jobs (20)',
      'rollouts (2)',
    ]);
    expect(page).toContain('>i-00000000000000003</text><rect class="bar manager old"');
    expect(page).toContain('>i-00000000000000009</text><rect class="bar manager new"');
    expect(page).toContain('>i-00000000000000007</text><rect class="bar canary new"');
    expect(page).toContain('old image: ami-0old; new image: ami-0new');
  });

  it('names each rollout state in a tooltip, and on the segment where it fits', () => {
    const page = reportHtml(builtResult());

    const tips = [...page.matchAll(/<g class="seg"><title>([a-z-]+):/g)].map((m) => m[1]);
    expect(tips).toEqual([
      'staged',
      'canary-booting',
      'canary-testing',
      'baking',
      'rolled-back',
      'awaiting-maintenance',
    ]);
    expect(page).toContain('<text class="state" x="');
    expect(page).toMatch(/>rolled-back<\/text>/);
    expect(page).toMatch(/>awaiting-maintenance<\/text>/);
  });

  it('marks each safety figure pass, fail or open, and the night as failed', () => {
    const page = reportHtml(builtResult());

    expect(page).toContain('<td>jobs killed</td><td class="n">1</td><td class="fail">fail</td>');
    expect(page).toContain(
      '<td>most managers at once in gitlab-runner-manager</td><td class="n">2</td><td class="fail">fail</td>',
    );
    expect(page).toContain('<td>rollouts unfinished</td><td class="n">1</td><td class="open">open</td>');
    expect(page).toContain('<td>violations</td><td class="n">1</td><td class="fail">fail</td>');
    expect(page).toContain('safety: <span class="verdict fail">fail</span>');
  });

  it('sums the AWS calls per function, the busiest first', () => {
    const page = reportHtml(builtResult());

    expect(page).toContain(
      '<tr><td>reconciler</td><td class="n">420</td><td>dynamodb:Query 372, DescribeLaunchTemplates 48</td></tr>',
    );
    expect(page).toContain('<tr class="total"><td>all functions</td><td class="n">421</td>');
  });

  it('lists the timeline with a run of identical invocations as one row', () => {
    const result = builtResult({ timelineEntries: 40 });

    const page = reportHtml(result);

    const rows = page.slice(page.indexOf('<table class="timeline">')).match(/<tr>/g) ?? [];
    expect(rows).toHaveLength(1 + 3);
    expect(page).toContain('12-08 18:10</td><td>reconciler (attempt 2)');
    expect(page).toContain('12-08 18:20 to 00:30<br><small>38 times</small>');
  });

  it('keeps a night of 500 instances under 300 KB', () => {
    const result = builtResult({ jobInstances: 500, jobsEach: 4, timelineEntries: 400 });

    const page = reportHtml(result);

    expect(Buffer.byteLength(page)).toBeLessThan(300_000);
    expect(count(page, /<g class="inst">/g)).toBe(503);
  });
});
