import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { rolloutTableMarkdown } from '../../../../scripts/rollout-table';

describe("the README's rollout table", () => {
  it('is the transition table the engine reads', () => {
    const readme = readFileSync(join(__dirname, '../../../../README.md'), 'utf8');
    const shown = /<!-- rollout-table:start[^>]*-->\n([\s\S]*?)\n<!-- rollout-table:end -->/.exec(
      readme,
    )?.[1];

    expect(shown).toBe(rolloutTableMarkdown());
  });
});
