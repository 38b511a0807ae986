import { alarmStates } from '../shared/aws/cloudwatch';
import { describeInstances } from '../shared/aws/ec2';
import { publish } from '../shared/aws/sns';
import { getRollout } from '../shared/ledger';
import type { SecretRef } from '../shared/schema-primitives';
import { readSecret } from '../shared/aws/secrets';
import type { InstanceFact, RolloutFact } from './compose';
import type { CurrentAlarmState, Memory } from './decide';
import { type PostResult, postJson } from './deliver';
import { scheduleRecheck } from './recheck';
import type { RecheckSettings } from './settings';
import {
  type ChannelState,
  type Claim,
  claimDelivery,
  getMemory,
  putMemory,
  saveDelivery,
  type StoredMemory,
} from './store';

/** The alert's own records in the state table: delivery claims (the dedupe) and per-key memory. */
export interface AlertStore {
  readonly claimDelivery: (
    contentKey: string,
    input: { eventId: string; holder: string; now: Date; leaseSeconds: number },
  ) => Promise<Claim>;
  readonly saveDelivery: (
    contentKey: string,
    input: {
      holder: string;
      channels: Readonly<Record<string, ChannelState>>;
      done: boolean;
      outcome: string;
    },
  ) => Promise<void>;
  readonly getMemory: (memoryKey: string) => Promise<StoredMemory | undefined>;
  readonly putMemory: (
    memoryKey: string,
    memory: Memory,
    expectedVersion: number,
    now: Date,
  ) => Promise<void>;
}

/** What the alert's run reaches outside itself through. */
export interface AlertPorts {
  readonly store: AlertStore;
  readonly alarmStates: (alarmNames: string[]) => Promise<Record<string, CurrentAlarmState>>;
  readonly describeInstances: (instanceIds: string[]) => Promise<InstanceFact[]>;
  /** The ledger item of a rollout or config apply, from the state table. */
  readonly getRollout: (fleet: string, id: string) => Promise<RolloutFact | undefined>;
  readonly publish: (input: { topicArn: string; subject: string; message: string }) => Promise<unknown>;
  /** Throws `SecretMissingError` when the store has no such secret. */
  readonly readSecret: (ref: SecretRef) => Promise<string>;
  readonly postJson: (url: string, body: object) => Promise<PostResult>;
  readonly scheduleRecheck: (
    target: RecheckSettings,
    alarm: { name: string; prefix: string },
    windowEnd: string,
    now: Date,
  ) => Promise<{ name: string; at: string; created: boolean }>;
}

/** The ports on AWS: the store and the ledger read `stateTable`. */
export const alertPorts = (stateTable: string): AlertPorts => ({
  store: {
    claimDelivery: (contentKey, input) => claimDelivery(stateTable, contentKey, input),
    saveDelivery: (contentKey, input) => saveDelivery(stateTable, contentKey, input),
    getMemory: (memoryKey) => getMemory(stateTable, memoryKey),
    putMemory: (memoryKey, memory, expectedVersion, now) =>
      putMemory(stateTable, memoryKey, memory, expectedVersion, now),
  },
  alarmStates,
  describeInstances,
  getRollout: (fleet, id) => getRollout(stateTable, fleet, id),
  publish: (input) => publish(input),
  readSecret: (ref) => readSecret(ref),
  postJson: (url, body) => postJson(url, body),
  scheduleRecheck,
});
