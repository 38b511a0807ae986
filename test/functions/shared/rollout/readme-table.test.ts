import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { rolloutTableMarkdown } from '../../../../scripts/rollout-table';

describe("docs/architecture.md's rollout table", () => {
  it('is the transition table the engine reads', () => {
    const doc = readFileSync(join(__dirname, '../../../../docs/architecture.md'), 'utf8');
    const shown = /<!-- rollout-table:start[^>]*-->\n([\s\S]*?)\n<!-- rollout-table:end -->/.exec(doc)?.[1];

    expect(shown).toBe(rolloutTableMarkdown());
  });
});
