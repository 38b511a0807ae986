import type { Alert } from '../../../functions/alert/compose';
import {
  describeInstance,
  formatChat,
  formatMattermost,
  formatSlack,
  formatSns,
  formatTeams,
  SEVERITY_COLOR,
} from '../../../functions/alert/format';
import { snsSubject, SUBJECT_MAX } from '../../../functions/shared/aws/sns';

const ALERT: Alert = {
  status: 'firing',
  title: 'Rollout to fleet jobs-docker rejected its candidate',
  severity: 'warning',
  deployment: 'gitlab-runners',
  fleet: 'jobs-docker',
  summary: 'smoke test failed on canary i-0c0ffee1234567890: docker run hello-world exited 125',
  whatToDo: 'Read the excerpt, fix the image and bake again.',
  link: {
    label: 'Open the Auto Scaling group',
    url: 'https://us-east-2.console.aws.amazon.com/ec2/home?region=us-east-2#AutoScalingGroupDetails:id=g',
  },
  fields: [
    { label: 'Stage', value: 'canary-testing' },
    { label: 'Outcome', value: 'rejected' },
    { label: 'Excerpt', value: 'docker: Error response from daemon', long: true },
  ],
  instances: [
    {
      instanceId: 'i-0c0ffee1234567890',
      state: 'running',
      age: '12m',
      imageId: 'ami-0123456789abcdef0',
      launchTemplateVersion: '12',
      autoScalingGroup: 'gitlab-runner-ao-group-docker',
    },
  ],
  at: '2026-11-30T03:02:44.000Z',
};
const RESOLVED: Alert = { ...ALERT, status: 'resolved', severity: 'info', title: 'Resolved: x' };
const HUGE: Alert = {
  ...ALERT,
  title: 'T'.repeat(400),
  summary: 'S'.repeat(10_000),
  whatToDo: 'W'.repeat(10_000),
  fields: Array.from({ length: 20 }, (_, i) => ({ label: `F${i}`, value: 'v'.repeat(5000) })),
};

type Json = Record<string, unknown>;
const texts = (node: unknown): string[] =>
  Array.isArray(node)
    ? node.flatMap(texts)
    : node && typeof node === 'object'
      ? Object.entries(node).flatMap(([k, v]) => (k === 'text' && typeof v === 'string' ? [v] : texts(v)))
      : [];

describe('describeInstance', () => {
  it('gives id, state, age, AMI, LT version and group', () => {
    expect(describeInstance(ALERT.instances[0]!)).toBe(
      'i-0c0ffee1234567890 (running), age 12m, AMI ami-0123456789abcdef0, LT version 12, group gitlab-runner-ao-group-docker',
    );
  });
});

describe('formatSns', () => {
  it('has a subject naming the severity, deployment and title', () => {
    expect(formatSns(ALERT).subject).toBe(
      '[WARNING] gitlab-runners: Rollout to fleet jobs-docker rejected its candidate',
    );
    expect(formatSns(RESOLVED).subject).toMatch(/^\[RESOLVED\] /);
  });

  it('has a plain text body with the fleet, what to do, the instances, the details and the link', () => {
    const { message } = formatSns(ALERT);

    expect(message).toContain('Fleet:      jobs-docker');
    expect(message).toContain('What to do:\nRead the excerpt');
    expect(message).toContain(
      '- i-0c0ffee1234567890 (running), age 12m, AMI ami-0123456789abcdef0, LT version 12',
    );
    expect(message).toContain('Stage: canary-testing');
    expect(message).toContain(`Open the Auto Scaling group: ${ALERT.link.url}`);
    expect(message).not.toMatch(/[<>*]/);
  });

  it('says the alert concerns the suite when it names no fleet', () => {
    const suite: Alert = { ...ALERT, fleet: undefined };

    expect(formatSns(suite).message).toContain('Fleet:      none (suite gitlab-runners)');
  });

  it('fits the subject to SNS (ASCII, one line, under 100 characters)', () => {
    const subject = snsSubject(formatSns({ ...HUGE, title: 'Ünïcødé — tëst\nline two '.repeat(10) }).subject);

    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject).toMatch(/^\[WARNING\] gitlab-runners: Unic de - test line two/);
  });
});

describe('formatSlack', () => {
  const { text, blocks } = formatSlack(ALERT) as { text: string; blocks: Json[] };

  it('has a text fallback for notifications', () => {
    expect(text).toBe(
      ':large_orange_circle: [WARNING] gitlab-runners: Rollout to fleet jobs-docker rejected its candidate',
    );
  });

  it('opens with a plain_text header, then fields, summary, what to do, instances, a button and a context', () => {
    expect(blocks.map((b) => b.type)).toEqual([
      'header',
      'section',
      'section',
      'section',
      'section',
      'section',
      'actions',
      'context',
    ]);
    expect(blocks[0]).toEqual({
      type: 'header',
      text: {
        type: 'plain_text',
        text: 'WARNING: Rollout to fleet jobs-docker rejected its candidate',
        emoji: true,
      },
    });
    expect(blocks[1]!.fields).toEqual(
      expect.arrayContaining([
        { type: 'mrkdwn', text: '*Fleet*\njobs-docker' },
        { type: 'mrkdwn', text: '*Stage*\ncanary-testing' },
      ]),
    );
    expect(blocks[6]).toEqual({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Open the Auto Scaling group', emoji: true },
          url: ALERT.link.url,
        },
      ],
    });
    expect(texts(blocks).join('\n')).toContain('• i-0c0ffee1234567890 (running), age 12m');
  });

  it('escapes Slack markup in what it did not write (no @channel from an alarm reason)', () => {
    const { blocks: escaped } = formatSlack({ ...ALERT, summary: 'x <!channel> & <https://evil|click>' }) as {
      blocks: Json[];
    };

    expect(texts(escaped)).toContain('x &lt;!channel&gt; &amp; &lt;https://evil|click&gt;');
  });

  it("keeps within Block Kit's limits: header 150, section text 3000, at most 10 fields of 2000", () => {
    const { blocks: huge } = formatSlack(HUGE) as { blocks: Json[] };

    expect(((huge[0]!.text as Json).text as string).length).toBeLessThanOrEqual(150);
    for (const block of huge.filter((b) => b.type === 'section')) {
      if (block.text) expect(((block.text as Json).text as string).length).toBeLessThanOrEqual(3000);
      const fields = (block.fields ?? []) as Json[];
      expect(fields.length).toBeLessThanOrEqual(10);
      fields.forEach((f) => expect((f.text as string).length).toBeLessThanOrEqual(2000));
    }
  });
});

describe('formatMattermost', () => {
  const { text, attachments } = formatMattermost(ALERT) as { text: string; attachments: Json[] };
  const attachment = attachments[0]!;

  it('posts a headline and one attachment with fallback, colour, linked title, text and fields', () => {
    expect(text).toBe('#### [WARNING] gitlab-runners: Rollout to fleet jobs-docker rejected its candidate');
    expect(attachments).toHaveLength(1);
    expect(attachment).toMatchObject({
      fallback: '[WARNING] gitlab-runners: Rollout to fleet jobs-docker rejected its candidate',
      color: SEVERITY_COLOR.warning,
      title: ALERT.title,
      title_link: ALERT.link.url,
    });
    expect(attachment.text).toContain('**What to do:** Read the excerpt');
    expect(attachment.text).toContain('- i-0c0ffee1234567890 (running), age 12m');
  });

  it('shows short facts side by side and long ones full width', () => {
    expect(attachment.fields).toEqual([
      { title: 'Severity', value: 'warning', short: true },
      { title: 'Fleet', value: 'jobs-docker', short: true },
      { title: 'Stage', value: 'canary-testing', short: true },
      { title: 'Outcome', value: 'rejected', short: true },
      { title: 'Excerpt', value: 'docker: Error response from daemon', short: false },
    ]);
  });

  it('turns green when resolved', () => {
    expect((formatMattermost(RESOLVED) as { attachments: Json[] }).attachments[0]!.color).toBe(
      SEVERITY_COLOR.resolved,
    );
  });
});

describe('formatTeams', () => {
  const message = formatTeams(ALERT) as { type: string; attachments: Json[] };
  const card = message.attachments[0]!.content as Json & { body: Json[]; actions: Json[] };

  it('is a Workflows message carrying one Adaptive Card 1.4', () => {
    expect(message.type).toBe('message');
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0]).toMatchObject({
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
    });
    expect(card).toMatchObject({
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      type: 'AdaptiveCard',
      version: '1.4',
    });
  });

  it('has a coloured title, a fact set, the summary, what to do and the instances, and an OpenUrl action', () => {
    expect(card.body[0]).toMatchObject({
      type: 'TextBlock',
      text: 'WARNING: Rollout to fleet jobs-docker rejected its candidate',
      weight: 'Bolder',
      color: 'Warning',
      wrap: true,
    });
    expect(card.body[1]).toEqual({
      type: 'FactSet',
      facts: [
        { title: 'Fleet', value: 'jobs-docker' },
        { title: 'Deployment', value: 'gitlab-runners' },
        { title: 'When', value: ALERT.at },
        { title: 'Stage', value: 'canary-testing' },
        { title: 'Outcome', value: 'rejected' },
      ],
    });
    expect(card.body.every((b) => b.type === 'TextBlock' || b.type === 'FactSet')).toBe(true);
    expect(texts(card.body)).toEqual(
      expect.arrayContaining([ALERT.summary, 'What to do', ALERT.whatToDo, 'Instances']),
    );
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: ALERT.link.label, url: ALERT.link.url }]);
  });

  it('shows a resolved alert in the Good colour', () => {
    const resolved = formatTeams(RESOLVED) as { attachments: { content: { body: Json[] } }[] };

    expect(resolved.attachments[0]!.content.body[0]!.color).toBe('Good');
  });
});

describe('formatChat', () => {
  it.each([
    ['slack', formatSlack(ALERT)],
    ['mattermost', formatMattermost(ALERT)],
    ['teams', formatTeams(ALERT)],
  ] as const)('gives the %s format for a %s channel', (kind, expected) => {
    expect(formatChat(kind, ALERT)).toEqual(expected);
  });
});
