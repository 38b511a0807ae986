import fc from 'fast-check';
import * as v from '../../../functions/shared/valibot';

import { decideApplyRequest } from '../../../functions/apply-config/decide';
import { ApplyConfigInput, ManifestChanged } from '../../../functions/apply-config/schema';
import { MANAGER_CONFIG_PREFIX as PREFIX } from '../../fixtures/rollout-settings';
import { fixture } from '../../helpers/fixtures';

const PREFIXES = { manager: PREFIX, 'manager-arm': '/runner-autopilot/arm/config' };

const manifestChange = (name: string) => {
  const raw = fixture<{ detail: { name: string } }>('ssm/parameter-store-change.manifest.json');
  raw.detail.name = name;
  return v.parse(ManifestChanged, raw);
};

describe('decideApplyRequest', () => {
  it('checks the scheduled fleet for drift, once per schedule time', () => {
    const decision = decideApplyRequest(
      v.parse(ApplyConfigInput, fixture('scheduler/drift-check.json')),
      PREFIXES,
    );

    expect(decision).toEqual({
      kind: 'request',
      request: {
        fleet: 'manager',
        mode: 'drift',
        reason: 'nightly drift check at 2026-11-30T03:15:00Z',
        idempotencyKey: 'drift:2026-11-30T03:15:00Z',
      },
    });
  });

  it.each([
    [`${PREFIX}/manifest`, 'manager'],
    ['/runner-autopilot/arm/config/manifest', 'manager-arm'],
  ])('applies a deploy of %s to %s, once per event', (name, fleet) => {
    const event = manifestChange(name);

    const decision = decideApplyRequest(event, PREFIXES);

    expect(decision).toEqual({
      kind: 'request',
      request: {
        fleet,
        mode: 'apply',
        reason: `deploy updated ${name}`,
        idempotencyKey: `deploy:${event.id}`,
      },
    });
  });

  it.each([`${PREFIX}/template`, `${PREFIX}/values`, '/elsewhere/manifest', `${PREFIX}/manifest/old`])(
    'refuses a change of %s, no fleet manifest',
    (name) => {
      const decision = decideApplyRequest(manifestChange(name), PREFIXES);

      expect(decision).toEqual({
        kind: 'refuse',
        reason: `parameter ${name} is no manager fleet's config manifest`,
      });
    },
  );

  it('takes a request as it was put', () => {
    const event = v.parse(ApplyConfigInput, fixture('runner-autopilot/config-apply-requested.json'));

    const decision = decideApplyRequest(event, PREFIXES);

    expect(decision).toEqual({
      kind: 'request',
      request: {
        fleet: 'manager',
        mode: 'apply',
        reason: 're-apply after a manual edit on the manager (requested by ops)',
        idempotencyKey: 'cli:7c1e3a5b-9d2f-4b6a-8c0e-2f4a6b8c0d13',
      },
    });
  });

  it('applies a manifest change only to the fleet whose prefix it is under', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(PREFIXES)), fc.string(), (fleet, suffix) => {
        const name = `${PREFIXES[fleet as keyof typeof PREFIXES]}/manifest${suffix}`;

        const decision = decideApplyRequest(manifestChange(name), PREFIXES);

        expect(decision.kind === 'request' ? decision.request.fleet : undefined).toBe(
          suffix === '' ? fleet : undefined,
        );
      }),
    );
  });
});
