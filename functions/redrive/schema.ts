import * as z from '../shared/zod';

/**
 * The SQS event of the fallback queue, reduced to what the redrive reads (our own envelope schema:
 * Powertools' SqsSchema pulls in all of classic zod's schemas).
 */
export const SqsEvent = z.object({
  Records: z
    .array(z.object({ messageId: z.string().check(z.minLength(1)), body: z.string() }))
    .check(z.minLength(1)),
});
export type SqsEvent = z.infer<typeof SqsEvent>;
export type SqsRecord = SqsEvent['Records'][number];
