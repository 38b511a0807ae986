import { FINAL_STATES, ROLLOUT_STATES, type Rollout } from '../functions/shared/rollout/model';
import { type Cell, STEP_TARGETS, stepOf, TABLE } from '../functions/shared/rollout/table';

/**
 * The rollout's transition table as docs/architecture.md shows it (`npx tsx scripts/rollout-table.ts`);
 * a test keeps that copy equal to this, so the documentation cannot drift from the engine.
 */

const KINDS: readonly Rollout['kind'][] = ['rollout', 'restart', 'config'];

const cellText = (cell: Cell): string => {
  if (typeof cell === 'string') return `\`${cell}\``;
  const steps = new Set(KINDS.map((k) => stepOf(cell, { kind: k } as Rollout)));
  return [...steps]
    .map((s) => `\`${s}\` (${KINDS.filter((k) => stepOf(cell, { kind: k } as Rollout) === s).join(', ')})`)
    .join(', ');
};

export const rolloutTableMarkdown = (): string => {
  const rows = ROLLOUT_STATES.filter((s) => TABLE[s]).map((state) => {
    const rule = TABLE[state];
    if (!rule) return '';
    const on = Object.entries(rule.on)
      .map(([trigger, cell]) => `${trigger} → ${cell ? cellText(cell) : ''}`)
      .join('<br>');
    return `| \`${state}\` | ${on} | ${rule.timeout ? cellText(rule.timeout) : 'none: final'} |`;
  });
  const steps = Object.entries(STEP_TARGETS).map(([step, to]) => `| \`${step}\` | ${to.join(', ')} |`);
  return [
    '| state | trigger → step | deadline → step |',
    '| --- | --- | --- |',
    ...rows,
    '',
    `Final states: ${[...FINAL_STATES].map((s) => `\`${s}\``).join(', ')}.`,
    '',
    '| step | may leave the item in |',
    '| --- | --- |',
    ...steps,
  ].join('\n');
};

if (require.main === module) console.log(rolloutTableMarkdown());
