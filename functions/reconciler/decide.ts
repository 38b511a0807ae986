import type { StepResult } from '../shared/rollout/context';
import type { LostImageResult } from './lost-images';

/** Items that waited longer than this for their event are asked about directly. */
export const STALE_MINUTES = 10;

/** An item that entered its state before this has waited too long for its event. */
export const staleCut = (now: Date): Date => new Date(now.getTime() - STALE_MINUTES * 60_000);

export interface ReconcileFacts {
  /** How many waiting items the run found. */
  readonly waiting: number;
  /** The steps of the waiting items that did not fail. */
  readonly results: readonly StepResult[];
  /** The templates' done rollouts whose default was put back (alerted this run). */
  readonly reverted: readonly StepResult[];
  readonly images: readonly LostImageResult[];
}

export type ReconcileSummary = {
  readonly outcome: 'reconciled';
  readonly itemCount: number;
  /** Only the items that changed state: the rest were asked and are still waiting. */
  readonly advanced: StepResult[];
  readonly revertedDefaults: string[];
  /** The images announced again, whose Image Builder event was lost. */
  readonly lostImages: string[];
  /** Why a newest image was not announced, for a person to look at. */
  readonly heldImages: string[];
};

export const reconcileSummary = ({
  waiting,
  results,
  reverted,
  images,
}: ReconcileFacts): ReconcileSummary => ({
  outcome: 'reconciled',
  itemCount: waiting,
  advanced: results.filter((r) => r.from !== r.to),
  revertedDefaults: reverted.map((r) => r.fleet),
  lostImages: images.flatMap((r) => (r.kind === 'announce' ? [r.detail.imageArn] : [])),
  heldImages: images.flatMap((r) => (r.kind === 'hold' ? [r.reason] : [])),
});
