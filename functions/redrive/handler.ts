import { makeHandler } from '../shared/make-handler';
import { redrive } from './redrive';
import { SqsEvent } from './schema';

/** The webhook's fallback queue -> our bus: pushes PutEvents could not take while GitLab waited. */
export const handler = makeHandler({ name: 'redrive', schema: SqsEvent, run: redrive });
