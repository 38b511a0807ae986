import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';

import { TransientError } from '../errors';
import { type CallOptions, clientConfig, interactiveClientConfig, sendOptions } from './client-config';
import { memoClient } from './memo-client';

const client = /* @__PURE__ */ memoClient(() => new SNSClient(clientConfig));
const interactiveClient = /* @__PURE__ */ memoClient(() => new SNSClient(interactiveClientConfig));
const sns = (interactive: boolean): SNSClient => (interactive ? interactiveClient.get() : client.get());
export const resetSnsClient = (): void => {
  client.reset();
  interactiveClient.reset();
};

/** Publish: "Subjects must be ... less than 100 characters long", no line breaks or control characters. */
export const SUBJECT_MAX = 99;
/** Publish: the message may be up to 256 KiB (262,144 bytes); we keep a margin for the envelope. */
export const MESSAGE_MAX_BYTES = 256 * 1024 - 1024;

/**
 * A subject SNS accepts: printable ASCII only (email subjects with other characters have been
 * refused), no line breaks, starting with a letter, digit or punctuation, at most {@link SUBJECT_MAX}.
 */
export const snsSubject = (text: string): string => {
  const ascii = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u2010-\u2015]/g, '-')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[^\x20-\x7e]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const clipped = ascii.length > SUBJECT_MAX ? `${ascii.slice(0, SUBJECT_MAX - 3).trimEnd()}...` : ascii;
  return clipped || 'runner-autopilot alert';
};

/** Cuts a message to what Publish accepts, on a character boundary, marking the cut. */
export const snsMessage = (text: string): string => {
  if (Buffer.byteLength(text, 'utf8') <= MESSAGE_MAX_BYTES) return text;
  const marker = '\n[truncated]';
  let cut = text.slice(0, MESSAGE_MAX_BYTES - marker.length);
  while (Buffer.byteLength(cut, 'utf8') > MESSAGE_MAX_BYTES - marker.length) cut = cut.slice(0, -64);
  return `${cut}${marker}`;
};

/**
 * Publishes one message to a topic (subject and body fitted to Publish's limits) and returns its
 * message id. Every failure is transient here, whatever the SDK called it, with the SDK's error as
 * `cause`: a missing topic or a denied publish is a deployment fault the retry (or the failure
 * queue and its alarm) surfaces. Without a subject (a message for a queue, not a person) nothing
 * is set; a message meant for a machine must fit whole, so check its size before (a cut message
 * is no longer JSON).
 */
export const publish = async (
  input: { topicArn: string; subject?: string; message: string },
  call: CallOptions = {},
): Promise<string> => {
  try {
    const out = await sns(call.interactive ?? false).send(
      new PublishCommand({
        TopicArn: input.topicArn,
        ...(input.subject === undefined ? {} : { Subject: snsSubject(input.subject) }),
        Message: snsMessage(input.message),
      }),
      sendOptions(call),
    );
    return out.MessageId ?? '';
  } catch (error) {
    throw new TransientError(`SNS Publish to ${input.topicArn} failed: retry`, { cause: error });
  }
};
