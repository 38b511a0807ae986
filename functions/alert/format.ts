import type { Alert, AlertInstance, Severity } from './compose';

/**
 * One {@link Alert} rendered for each channel, pure. Each format keeps within its service's
 * documented limits (cut with an ellipsis, never refused):
 * - SNS (email): a subject line and a plain text body (the adapter fits both to Publish's limits);
 * - Slack incoming webhook: Block Kit `blocks` plus `text`, the notification fallback. A header's
 *   text is at most 150 characters, a section's 3000, a section has at most 10 fields of 2000;
 * - Mattermost incoming webhook: `text` plus one Slack-compatible `attachments` entry
 *   (`fallback`, `color`, `title`, `title_link`, `text`, `fields` of `{title, value, short}`);
 * - Microsoft Teams Workflows ("Post to a channel when a webhook request is received"): a
 *   `message` whose one attachment is an Adaptive Card 1.4 (Teams renders up to 1.5).
 */

const clip = (text: string, max: number): string =>
  text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;

const SEVERITY_LABEL: Record<Severity, string> = { critical: 'CRITICAL', warning: 'WARNING', info: 'INFO' };
const label = (alert: Alert): string =>
  alert.status === 'resolved' ? 'RESOLVED' : SEVERITY_LABEL[alert.severity];

/** Hex colours of the side bar (Slack/Mattermost attachments): red, amber, green when resolved. */
export const SEVERITY_COLOR: Record<Severity | 'resolved', string> = {
  critical: '#d13212',
  warning: '#ff9900',
  info: '#2e77d0',
  resolved: '#1d8102',
};
const color = (alert: Alert): string =>
  SEVERITY_COLOR[alert.status === 'resolved' ? 'resolved' : alert.severity];

const fleetLine = (alert: Alert): string => alert.fleet ?? `none (suite ${alert.deployment})`;

/** `i-0abc (running), age 3d 4h, AMI ami-0123, LT version 7` */
export const describeInstance = (i: AlertInstance): string =>
  [
    `${i.instanceId} (${i.state})`,
    i.age ? `age ${i.age}` : undefined,
    i.imageId ? `AMI ${i.imageId}` : undefined,
    i.launchTemplateVersion ? `LT version ${i.launchTemplateVersion}` : undefined,
    i.autoScalingGroup ? `group ${i.autoScalingGroup}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');

/** Email subject and body (SNS). The subject is fitted to SNS's rules by the adapter. */
export const formatSns = (alert: Alert): { subject: string; message: string } => {
  const lines = [
    `[${label(alert)}] ${alert.title}`,
    '',
    `Severity:   ${alert.status === 'resolved' ? 'resolved' : alert.severity}`,
    `Deployment: ${alert.deployment}`,
    `Fleet:      ${fleetLine(alert)}`,
    `When:       ${alert.at}`,
    '',
    alert.summary,
    '',
    'What to do:',
    alert.whatToDo,
  ];
  if (alert.instances.length)
    lines.push('', 'Instances:', ...alert.instances.map((i) => `- ${describeInstance(i)}`));
  if (alert.fields.length) lines.push('', 'Details:', ...alert.fields.map((f) => `${f.label}: ${f.value}`));
  lines.push('', `${alert.link.label}: ${alert.link.url}`);
  return { subject: `[${label(alert)}] ${alert.deployment}: ${alert.title}`, message: lines.join('\n') };
};

/** Slack treats `&`, `<` and `>` as markup (`<!channel>` notifies everyone): escape what we did not write. */
const slackEscape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const SLACK_EMOJI: Record<Severity | 'resolved', string> = {
  critical: ':red_circle:',
  warning: ':large_orange_circle:',
  info: ':large_blue_circle:',
  resolved: ':large_green_circle:',
};

const plainText = (text: string, max: number) => ({ type: 'plain_text', text: clip(text, max), emoji: true });
const mrkdwn = (text: string, max = 3000) => ({ type: 'mrkdwn', text: clip(text, max) });

/** Slack incoming webhook: `text` is the notification and fallback, `blocks` the message. */
export const formatSlack = (alert: Alert): { text: string; blocks: object[] } => {
  const emoji = SLACK_EMOJI[alert.status === 'resolved' ? 'resolved' : alert.severity];
  const short = alert.fields.filter((f) => !f.long);
  const long = alert.fields.filter((f) => f.long);
  const blocks: object[] = [
    { type: 'header', text: plainText(`${label(alert)}: ${alert.title}`, 150) },
    {
      type: 'section',
      fields: [
        mrkdwn(`*Fleet*\n${slackEscape(fleetLine(alert))}`, 2000),
        mrkdwn(`*Deployment*\n${slackEscape(alert.deployment)}`, 2000),
        ...short.slice(0, 8).map((f) => mrkdwn(`*${slackEscape(f.label)}*\n${slackEscape(f.value)}`, 2000)),
      ],
    },
    { type: 'section', text: mrkdwn(slackEscape(alert.summary)) },
    ...long.map((f) => ({
      type: 'section',
      text: mrkdwn(`*${slackEscape(f.label)}*\n${slackEscape(f.value)}`),
    })),
    { type: 'section', text: mrkdwn(`*What to do*\n${slackEscape(alert.whatToDo)}`) },
  ];
  if (alert.instances.length) {
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `*Instances*\n${alert.instances.map((i) => `• ${slackEscape(describeInstance(i))}`).join('\n')}`,
      ),
    });
  }
  blocks.push(
    {
      type: 'actions',
      elements: [{ type: 'button', text: plainText(alert.link.label, 75), url: alert.link.url }],
    },
    { type: 'context', elements: [mrkdwn(`${emoji} ${label(alert)} • ${alert.at}`, 3000)] },
  );
  return { text: clip(`${emoji} [${label(alert)}] ${alert.deployment}: ${alert.title}`, 3000), blocks };
};

/** Mattermost incoming webhook: a one-line `text` and one attachment with the details. */
export const formatMattermost = (alert: Alert): { text: string; attachments: object[] } => {
  const headline = `[${label(alert)}] ${alert.deployment}: ${alert.title}`;
  const text = [
    alert.summary,
    '',
    `**What to do:** ${alert.whatToDo}`,
    ...(alert.instances.length
      ? ['', '**Instances:**', ...alert.instances.map((i) => `- ${describeInstance(i)}`)]
      : []),
  ].join('\n');
  return {
    text: `#### ${headline}`,
    attachments: [
      {
        fallback: clip(headline, 500),
        color: color(alert),
        title: clip(alert.title, 250),
        title_link: alert.link.url,
        text: clip(text, 6000),
        fields: [
          {
            title: 'Severity',
            value: alert.status === 'resolved' ? 'resolved' : alert.severity,
            short: true,
          },
          { title: 'Fleet', value: fleetLine(alert), short: true },
          ...alert.fields.map((f) => ({ title: f.label, value: clip(f.value, 2000), short: !f.long })),
        ],
        footer: `runner-autopilot ${alert.deployment} • ${alert.at}`,
      },
    ],
  };
};

const TEAMS_COLOR: Record<Severity | 'resolved', string> = {
  critical: 'Attention',
  warning: 'Warning',
  info: 'Accent',
  resolved: 'Good',
};

/** Teams Workflows webhook: a message carrying one Adaptive Card. */
export const formatTeams = (alert: Alert): object => {
  const short = alert.fields.filter((f) => !f.long);
  const long = alert.fields.filter((f) => f.long);
  const textBlock = (text: string, extra: object = {}) => ({
    type: 'TextBlock',
    text: clip(text, 4000),
    wrap: true,
    ...extra,
  });
  const body: object[] = [
    textBlock(`${label(alert)}: ${alert.title}`, {
      size: 'Large',
      weight: 'Bolder',
      color: TEAMS_COLOR[alert.status === 'resolved' ? 'resolved' : alert.severity],
    }),
    {
      type: 'FactSet',
      facts: [
        { title: 'Fleet', value: fleetLine(alert) },
        { title: 'Deployment', value: alert.deployment },
        { title: 'When', value: alert.at },
        ...short.map((f) => ({ title: f.label, value: f.value })),
      ],
    },
    textBlock(alert.summary),
    ...long.flatMap((f) => [
      textBlock(f.label, { weight: 'Bolder', spacing: 'Medium' }),
      textBlock(f.value, { fontType: 'Monospace' }),
    ]),
    textBlock('What to do', { weight: 'Bolder', spacing: 'Medium' }),
    textBlock(alert.whatToDo),
  ];
  if (alert.instances.length) {
    body.push(
      textBlock('Instances', { weight: 'Bolder', spacing: 'Medium' }),
      textBlock(alert.instances.map((i) => `- ${describeInstance(i)}`).join('\n')),
    );
  }
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body,
          actions: [{ type: 'Action.OpenUrl', title: alert.link.label, url: alert.link.url }],
        },
      },
    ],
  };
};

/** The webhook body for a chat channel's kind. */
export const formatChat = (kind: 'slack' | 'mattermost' | 'teams', alert: Alert): object => {
  switch (kind) {
    case 'slack':
      return formatSlack(alert);
    case 'mattermost':
      return formatMattermost(alert);
    case 'teams':
      return formatTeams(alert);
  }
};
