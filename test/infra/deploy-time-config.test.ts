import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';
import * as v from '../../functions/shared/valibot';

import {
  CONFIG_ENV,
  CONFIG_FILE,
  ConfigError,
  expandDeployTimeValues,
  readConfigSlice,
} from '../../functions/shared/settings';
import { splitDeployTime } from '../../infra/deploy-time-config';
import { resolveIntrinsics } from '../../infra/intrinsics';

const TABLE = { Ref: 'LedgerTable1234' };
const ROLE_ARN = { 'Fn::GetAtt': ['SchedulerRole99', 'Arn'] };
const LAMBDA_ARN = {
  'Fn::Join': [
    '',
    ['arn:', { Ref: 'AWS::Partition' }, ':lambda:us-east-2:', { Ref: 'AWS::AccountId' }, ':function:step'],
  ],
};

describe('splitDeployTime', () => {
  it('keeps literal settings in the document and puts each deploy-time value in one variable', () => {
    const { document, environment } = splitDeployTime({
      fleets: [{ name: 'manager', maxJobMinutes: 120 }],
      ledgerTable: TABLE,
      again: TABLE,
      roleArn: ROLE_ARN,
    });

    expect(document).toEqual({
      fleets: [{ name: 'manager', maxJobMinutes: 120 }],
      ledgerTable: { $env: 'AUTOPILOT_REF_1' },
      again: { $env: 'AUTOPILOT_REF_1' },
      roleArn: { $env: 'AUTOPILOT_REF_2' },
    });
    expect(environment).toEqual({ AUTOPILOT_REF_1: TABLE, AUTOPILOT_REF_2: ROLE_ARN });
  });

  it('keeps the literal text of a joined value in the document and names pseudo parameters', () => {
    const { document, environment } = splitDeployTime({ targetArn: LAMBDA_ARN });

    expect(document).toEqual({
      targetArn: {
        $concat: [
          'arn:',
          { $env: 'AUTOPILOT_PARTITION' },
          ':lambda:us-east-2:',
          { $env: 'AUTOPILOT_ACCOUNT' },
          ':function:step',
        ],
      },
    });
    expect(environment).toEqual({
      AUTOPILOT_PARTITION: { Ref: 'AWS::Partition' },
      AUTOPILOT_ACCOUNT: { Ref: 'AWS::AccountId' },
    });
  });

  it('never sets the region, which Lambda sets itself', () => {
    const { document, environment } = splitDeployTime({ region: { Ref: 'AWS::Region' } });

    expect(document).toEqual({ region: { $env: 'AWS_REGION' } });
    expect(environment).toEqual({});
  });

  it('passes a join over a list-valued intrinsic as one deploy-time value', () => {
    const zones = { 'Fn::Join': [',', { 'Fn::GetAZs': '' }] };

    const { document, environment } = splitDeployTime({ zones });

    expect(document).toEqual({ zones: { $env: 'AUTOPILOT_REF_1' } });
    expect(environment).toEqual({ AUTOPILOT_REF_1: zones });
  });

  it('expands back to what CloudFormation would resolve, for any settings', () => {
    const leaf = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(TABLE),
      fc.constant(ROLE_ARN),
      fc.constant(LAMBDA_ARN),
      fc.constant({ Ref: 'AWS::Region' }),
    );
    const settings = fc.dictionary(
      fc.string().filter((k) => !k.startsWith('$')),
      fc.oneof(
        leaf,
        fc.array(leaf),
        fc.dictionary(
          fc.string().filter((k) => !k.startsWith('$')),
          leaf,
        ),
      ),
    );
    const refs = { LedgerTable1234: 'ledger', 'SchedulerRole99.Arn': 'arn:aws:iam::123456789012:role/s' };

    fc.assert(
      fc.property(settings, (value) => {
        const { document, environment } = splitDeployTime(value);
        const env = {
          AWS_REGION: 'us-east-2',
          ...(resolveIntrinsics(environment, refs) as Record<string, string>),
        };

        expect(expandDeployTimeValues(document, env)).toEqual(resolveIntrinsics(value, refs));
      }),
    );
  });
});

describe('readConfigSlice', () => {
  const Schema = v.strictObject({ table: v.string(), arn: v.string() });
  const taskRoot = (document: unknown): string => {
    const dir = mkdtempSync(join(tmpdir(), 'task-root-'));
    writeFileSync(join(dir, CONFIG_FILE), JSON.stringify(document));
    return dir;
  };
  const document = {
    table: { $env: 'AUTOPILOT_REF_1' },
    arn: { $concat: ['arn:aws:x:', { $env: 'AWS_REGION' }] },
  };

  it('reads the config file beside the bundle and expands it from the environment', () => {
    const env = { LAMBDA_TASK_ROOT: taskRoot(document), AUTOPILOT_REF_1: 'ledger', AWS_REGION: 'us-east-2' };

    expect(readConfigSlice(Schema, env)).toEqual({ table: 'ledger', arn: 'arn:aws:x:us-east-2' });
  });

  it('prefers the inline config of a test or local invoke', () => {
    const env = {
      LAMBDA_TASK_ROOT: taskRoot(document),
      [CONFIG_ENV]: JSON.stringify({ table: 't', arn: 'a' }),
    };

    expect(readConfigSlice(Schema, env)).toEqual({ table: 't', arn: 'a' });
  });

  it('throws naming the variable a reference needs', () => {
    const env = { LAMBDA_TASK_ROOT: taskRoot(document), AWS_REGION: 'us-east-2' };

    expect(() => readConfigSlice(Schema, env)).toThrow(/AUTOPILOT_REF_1 is not set/);
  });

  it('throws naming both sources when there is no config', () => {
    const env = { LAMBDA_TASK_ROOT: mkdtempSync(join(tmpdir(), 'empty-')) };

    expect(() => readConfigSlice(Schema, env)).toThrow(ConfigError);
    expect(() => readConfigSlice(Schema, env)).toThrow(new RegExp(`${CONFIG_ENV}.*${CONFIG_FILE}`));
  });
});
