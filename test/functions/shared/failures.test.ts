import { TransientError } from '../../../functions/shared/errors';
import { Failures } from '../../../functions/shared/failures';
import { makeLogger } from '../../../functions/shared/observability';
import { logEntries } from '../../helpers/output';

describe('Failures.add', () => {
  it('logs each failure as transient, with its step and keys', () => {
    const failures = new Failures(makeLogger('test'), 'step failed');

    failures.add('fleet jobs', new Error('throttled'), { fleet: 'jobs' });

    expect(logEntries()).toEqual([
      expect.objectContaining({
        message: 'step failed',
        errorKind: 'transient',
        step: 'fleet jobs',
        fleet: 'jobs',
      }),
    ]);
  });
});

describe('Failures.addLogged', () => {
  it('records a failure without logging it again', () => {
    const failures = new Failures(makeLogger('test'), 'step failed');

    failures.addLogged('image ami-1', new Error('denied'));

    expect(failures.count).toBe(1);
    expect(logEntries()).toEqual([]);
  });

  it('names it and keeps its error as add does, after the failures before it', async () => {
    const failures = new Failures(makeLogger('test'), 'step failed');
    const first = new Error('throttled');
    const second = new Error('denied');
    failures.add('ledger of fleet jobs', first);
    failures.addLogged('image ami-1', second);

    const thrown = Promise.resolve().then(() => failures.throwIfAny('cleanup', 'done: 0'));

    await expect(thrown).rejects.toThrow(TransientError);
    await expect(thrown).rejects.toThrow(
      'cleanup failed (2): ledger of fleet jobs: throttled; image ami-1: denied; done: 0',
    );
    await expect(thrown).rejects.toHaveProperty('cause.errors', [first, second]);
  });
});
