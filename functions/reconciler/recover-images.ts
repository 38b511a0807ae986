import { busEntry, DetailType } from '../shared/events';
import { fleetsOnTemplate } from '../shared/rollout/decide';
import { decideLostImage, type LostImageResult, type SeenImage } from './lost-images';
import type { ReconcilerPorts } from './ports';
import type { ReconcilerSettings } from './settings';

/** What recovering lost images reaches: the fleets' rollouts, the pipelines' images, the bus. */
export type RecoveryPorts = Pick<ReconcilerPorts, 'images' | 'bus'> & {
  readonly ledger: Pick<ReconcilerPorts['ledger'], 'listFleet'>;
};

/** Every image rollout the ledger holds for the fleets on `launchTemplate`, each once. */
const seenOnTemplate = async (
  settings: ReconcilerSettings,
  ports: RecoveryPorts,
  launchTemplate: string,
): Promise<SeenImage[]> => {
  const fleets = fleetsOnTemplate(settings.fleets, launchTemplate);
  const rollouts = (await Promise.all(fleets.map((f) => ports.ledger.listFleet(f.name)))).flat();
  const seen = new Map<string, SeenImage>();
  for (const r of rollouts) {
    if (r.kind !== 'rollout') continue;
    seen.set(`${r.fleet}/${r.candidateId}`, {
      candidateId: r.candidateId,
      imageArn: r.imageArn,
      recordedAt: r.history[0]?.at ?? r.stateSince,
    });
  }
  return [...seen.values()];
};

/**
 * For each pipeline that feeds a fleet: lists its images and the rollouts of its templates, and
 * puts the Image Ready event image-state would have put for an image whose event was lost.
 * stage-candidate then takes it through its one path; its staging is idempotent by candidate id,
 * so an event that was only late (not lost) stages nothing twice.
 */
export const recoverLostImages = async (
  settings: ReconcilerSettings,
  ports: RecoveryPorts,
): Promise<LostImageResult[]> => {
  const results: LostImageResult[] = [];
  for (const pipeline of settings.pipelines) {
    const templates = [
      ...new Set(settings.fleets.filter((f) => f.pipeline === pipeline.name).map((f) => f.launchTemplate)),
    ].sort();
    if (templates.length === 0) continue;
    const [images, seen] = await Promise.all([
      ports.images.listPipeline(pipeline.arn),
      Promise.all(templates.map((t) => seenOnTemplate(settings, ports, t))),
    ]);
    const decision = decideLostImage({
      pipeline,
      region: settings.region,
      images,
      templates: templates.map((launchTemplate, i) => ({ launchTemplate, seen: seen[i] ?? [] })),
    });
    if (decision.kind === 'announce') {
      await ports.bus.put([
        busEntry(DetailType.ImageReady, decision.detail, settings.eventBusName, [decision.detail.imageArn]),
      ]);
    }
    results.push({ ...decision, pipeline: pipeline.name });
  }
  return results;
};
