import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { LambdaFunctionUrlSchema } from '@aws-lambda-powertools/parser/schemas/lambda';

import { PushPayload } from '../../../functions/gitlab-webhook/payload';
import { EVENTS_DIR, fixture } from '../../helpers/fixtures';
import { parseStandard } from '../../helpers/standard-schema';

const files = readdirSync(join(EVENTS_DIR, 'gitlab')).filter((f) => f.endsWith('.json'));

describe('events/gitlab fixtures', () => {
  it('include the four documented cases', () => {
    expect(files.sort()).toEqual([
      'push.json',
      'push.many-commits.json',
      'push.no-match.json',
      'tag-push.json',
    ]);
  });

  it.each(files)('%s is a Function URL event whose body is a push payload of the right length', (file) => {
    const event = LambdaFunctionUrlSchema.parse(fixture(`gitlab/${file}`));

    const body = parseStandard(PushPayload, JSON.parse(event.body ?? ''));

    expect(event.headers['content-length']).toBe(String(Buffer.byteLength(event.body ?? '')));
    expect(event.headers['x-gitlab-event']).toBe(
      body.object_kind === 'tag_push' ? 'Tag Push Hook' : 'Push Hook',
    );
    expect(event.headers['x-gitlab-token']).toBe('test-webhook-token');
  });

  it('many-commits lists 20 of 25 commits, all under docs/', () => {
    const event = fixture<{ body: string }>('gitlab/push.many-commits.json');

    const body = parseStandard(PushPayload, JSON.parse(event.body));

    expect(body.total_commits_count).toBe(25);
    expect(body.commits).toHaveLength(20);
    expect(
      body.commits
        .flatMap((c) => [...c.added, ...c.modified, ...c.removed])
        .every((p) => p.startsWith('docs/')),
    ).toBe(true);
  });
});
