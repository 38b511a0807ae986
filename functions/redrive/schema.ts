import * as v from '../shared/valibot';

/**
 * The SQS event of the fallback queue, reduced to what the redrive reads (our own envelope schema:
 * Powertools' SqsSchema pulls in all of classic zod's schemas).
 */
export const SqsEvent = v.object({
  Records: v.pipe(
    v.array(v.object({ messageId: v.pipe(v.string(), v.minLength(1)), body: v.string() })),
    v.minLength(1),
  ),
});
export type SqsEvent = v.InferOutput<typeof SqsEvent>;
export type SqsRecord = SqsEvent['Records'][number];
