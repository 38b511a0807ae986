import { listPipelineImages } from '../shared/aws/imagebuilder';
import { listWaitingRollouts } from '../shared/ledger';
import type { Ports } from '../shared/rollout/context';
import type { Rollout } from '../shared/rollout/model';
import { stepPorts } from '../shared/rollout/ports';

/**
 * Every step (a waiting item may be in any state), the ledger's waiting index, and each
 * pipeline's images (for an image whose Image Builder event was lost).
 */
export interface ReconcilerPorts extends Ports {
  readonly ledger: Ports['ledger'] & {
    readonly listWaiting: (enteredBefore: Date) => Promise<Rollout[]>;
  };
  readonly images: { readonly listPipeline: typeof listPipelineImages };
}

export const reconcilerPorts = (ledgerTable: string): ReconcilerPorts => {
  const steps = stepPorts(ledgerTable);
  return {
    ...steps,
    ledger: {
      ...steps.ledger,
      listWaiting: (enteredBefore) => listWaitingRollouts(ledgerTable, enteredBefore),
    },
    images: { listPipeline: listPipelineImages },
  };
};
