import { resetAutoScalingClient } from '../../functions/shared/aws/autoscaling';
import { resetEc2Client } from '../../functions/shared/aws/ec2';
import { resetEventBridgeClient } from '../../functions/shared/aws/eventbridge';
import { resetSchedulerClient } from '../../functions/shared/aws/scheduler';
import { resetSnsClient } from '../../functions/shared/aws/sns';
import { installFakeAws, MINUTE, restoreFakeAws, World } from '../../rehearsal/fake-aws';
import type { MotoDivergence } from './divergences';
import { describeWithMoto, useMotoServer } from './moto';
import { REAL_TIMERS } from '../../rehearsal/clock';

/**
 * One contract suite, two targets: the real adapters in front of our scenario fake (`World`,
 * installed behind aws-sdk-client-mock) and the same adapters in front of moto server. The cases
 * are written once; a case whose AWS behaviour moto does not have runs on the fake only and names
 * its entry in divergences.ts.
 */
export interface ContractTarget {
  readonly kind: 'fake' | 'moto';
  /** `it` on the fake; on moto, `it.skip` for a behaviour moto does not have. */
  readonly fakeOnly: (divergence: MotoDivergence) => jest.It;
  /** The fake's world (fake target only), fresh for each test. */
  readonly world: () => World;
  /** Lets time pass until AWS is done with what was asked (a replacement launch, a termination). */
  readonly settle: () => Promise<void>;
}

/** Not a table any suite uses: the fake needs one for its document client stub. */
const TABLE = 'contract-unused';

const resetAdapterClients = (): void => {
  resetEc2Client();
  resetAutoScalingClient();
  resetEventBridgeClient();
  resetSchedulerClient();
  resetSnsClient();
};

const MOTO_CASE_MS = 30_000;

/** How long the fake's clock may run in {@link ContractTarget.settle} before giving up. */
const SETTLE_MINUTES = 30;

/** `describe`s `body` once per target; the moto half is skipped when moto is not installed. */
export const describeContract = (
  name: string,
  body: (target: ContractTarget) => void,
  /** Calls moto once before the cases, so its first load does not eat a case's time budget. */
  warmUp: () => Promise<void> = () => Promise.resolve(),
): void => {
  describe(`${name} (fake World)`, () => {
    let world: World | undefined;
    beforeAll(() => {
      jest.useFakeTimers({ now: Date.parse('2026-11-03T01:00:00Z'), doNotFake: [...REAL_TIMERS] });
    });
    beforeEach(() => {
      world = new World();
      installFakeAws(world, TABLE);
      resetAdapterClients();
    });
    afterAll(() => {
      restoreFakeAws();
      resetAdapterClients();
      jest.useRealTimers();
    });
    const current = (): World => {
      if (!world) throw new Error('the fake world exists only inside a test');
      return world;
    };
    body({
      kind: 'fake',
      fakeOnly: () => it,
      world: current,
      settle: async () => {
        const w = current();
        const until = Date.now() + SETTLE_MINUTES * MINUTE;
        for (let next = w.nextTimerAt(); next !== undefined && next <= until; next = w.nextTimerAt()) {
          jest.setSystemTime(Math.max(next, Date.now()));
          w.fireDueTimers();
        }
        await Promise.resolve();
      },
    });
  });

  describeWithMoto(`${name} (moto server)`, () => {
    // Each moto call is an HTTP round trip to a Python server on a shared machine: a case can
    // take seconds. jest.setTimeout applies to the whole file; the fake cases never need it.
    jest.setTimeout(MOTO_CASE_MS);
    useMotoServer({ resetClients: resetAdapterClients, afterStart: warmUp });
    body({
      kind: 'moto',
      fakeOnly: () => it.skip,
      world: () => {
        throw new Error('moto has no fake world: seed it through the SDK');
      },
      // moto does at once what AWS does over minutes.
      settle: () => Promise.resolve(),
    });
  });
};
