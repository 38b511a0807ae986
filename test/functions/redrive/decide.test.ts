import { decideRedrive } from '../../../functions/redrive/decide';
import { busEntry, DetailType } from '../../../functions/shared/events';
import { redriveMessage } from '../../../functions/shared/redrive';

const BUS = 'runner-autopilot-gitlab-runners';

describe('decideRedrive', () => {
  it('puts the entries of a redrive message on its own bus, whatever bus they were meant for', () => {
    const original = busEntry(
      DetailType.BakeRequested,
      { pipeline: 'jobs', idempotencyKey: 'gitlab:d-1:jobs', reason: 'push' },
      'another-bus',
    );

    const decision = decideRedrive({ messageId: 'm-1', body: redriveMessage([original], 'gitlab:d-1') }, BUS);

    expect(decision).toEqual({
      kind: 'put',
      origin: 'gitlab:d-1',
      entries: [{ ...original, EventBusName: BUS }],
    });
  });

  it.each([
    ['not JSON', '{', 'the body is not a redrive message'],
    ['without entries', JSON.stringify({ origin: 'x', entries: [] }), 'the body is not a redrive message'],
    [
      'of an unknown detail-type',
      JSON.stringify({ origin: 'x', entries: [{ detailType: 'Bake Wanted', detail: {} }] }),
      'the body is not a redrive message',
    ],
    [
      'with a detail its schema refuses',
      JSON.stringify({
        origin: 'x',
        entries: [
          { detailType: 'Bake Requested', detail: { pipeline: 'jobs', idempotencyKey: 'k' } },
          { detailType: 'Bake Requested', detail: { pipeline: 'Jobs!' } },
        ],
      }),
      'entry 1: the detail does not match the Bake Requested schema',
    ],
  ])('refuses a message %s', (_name, body, reason) => {
    expect(decideRedrive({ messageId: 'm-1', body }, BUS)).toEqual({ kind: 'refuse', reason });
  });
});
