import {
  GetCommandInvocationCommand,
  GetParameterCommand,
  paginateDescribeInstanceInformation,
  paginateListCommandInvocations,
  paginateListCommands,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';

import { PermanentError, TransientError } from '../errors';
import { clientConfig } from './client-config';
import { memoClient } from './memo-client';
import { chunk } from '../chunk';

const client = /* @__PURE__ */ memoClient(() => new SSMClient(clientConfig));
const ssm = (): SSMClient => client.get();
export const resetSsmClient = (): void => client.reset();

/** SendCommand takes up to 50 InstanceIds. */
export const SEND_COMMAND_MAX_INSTANCES = 50;
/** SendCommand `TimeoutSeconds` (delivery timeout) is 30-2,592,000 seconds. */
const TIMEOUT_MIN = 30;
const TIMEOUT_MAX = 2_592_000;
/** SendCommand `Comment` is at most 100 characters. */
const COMMENT_MAX = 100;
/** An `InstanceIds` filter of DescribeInstanceInformation takes 1-100 values. */
const INFORMATION_FILTER_BATCH = 100;
/** DescribeInstanceInformation accepts MaxResults 5-50 when filtering. */
const INFORMATION_PAGE = 50;

const isNamed = (error: unknown, ...names: string[]): boolean =>
  error instanceof Error && names.includes(error.name);

/**
 * SSM refused a command's parameters (`InvalidParameters`: a value outside the document's
 * `allowedPattern` or `allowedValues`, an unknown or a missing required parameter). Permanent: the
 * same command can never run. An unknown document (`InvalidDocument`) stays transient, like access
 * denied: a first deploy can update a function before it creates the document it names.
 */
export class CommandRefusedError extends PermanentError {
  constructor(
    readonly documentName: string,
    cause: Error,
  ) {
    super(`SSM refused the parameters of ${documentName}: ${cause.message}`, { cause });
  }
}

const onlineAmong = async (instanceIds: string[]): Promise<string[]> => {
  const online: string[] = [];
  for await (const page of paginateDescribeInstanceInformation(
    { client: ssm(), pageSize: INFORMATION_PAGE },
    {
      Filters: [
        { Key: 'InstanceIds', Values: instanceIds },
        { Key: 'PingStatus', Values: ['Online'] },
      ],
    },
  )) {
    for (const info of page.InstanceInformationList ?? []) {
      if (info.InstanceId !== undefined && info.PingStatus === 'Online') online.push(info.InstanceId);
    }
  }
  return online;
};

/**
 * The instances among `instanceIds` whose SSM agent is `Online` (DescribeInstanceInformation with
 * `InstanceIds` and `PingStatus` filters, 100 ids per call, all pages). Unregistered instances are
 * simply absent. Should SSM reject a batch with `InvalidInstanceId`, the batch is asked id by id
 * and the ids SSM rejects count as not online: one bad id must not hide the others.
 */
export const onlineInstances = async (instanceIds: string[]): Promise<Set<string>> => {
  const online = new Set<string>();
  for (const batch of chunk([...new Set(instanceIds)], INFORMATION_FILTER_BATCH)) {
    try {
      for (const id of await onlineAmong(batch)) online.add(id);
    } catch (error) {
      if (!isNamed(error, 'InvalidInstanceId')) throw error;
      if (batch.length === 1) continue;
      for (const id of batch) {
        try {
          for (const found of await onlineAmong([id])) online.add(found);
        } catch (single) {
          if (!isNamed(single, 'InvalidInstanceId')) throw single;
        }
      }
    }
  }
  return online;
};

/**
 * Sends a command to 1-50 instances (SendCommand's limit for `InstanceIds`; more throws before any
 * call). `timeoutSeconds` is the **delivery** timeout (`TimeoutSeconds`, 30-2,592,000: a command not
 * started by then never runs); the comment is at most 100 characters; how long it may run is the document's own `executionTimeout` parameter, which
 * the caller puts in `parameters` when the document declares it (AWS-RunShellScript: default 3600,
 * at most 172800 seconds). Parameters are echoed in command history and events: no secrets.
 *
 * SSM checks every parameter against the document's definition: a refusal throws
 * {@link CommandRefusedError} (permanent).
 *
 * SendCommand has **no idempotency token**: a retried call sends a second command. Callers record
 * the command id once sent and, before sending again, look for one already sent with
 * {@link findCommands} (a `comment` carrying the idempotency key makes it recognisable).
 */
export const sendCommand = async (input: {
  documentName: string;
  instanceIds: string[];
  parameters: Record<string, string[]>;
  timeoutSeconds: number;
  comment: string;
  clientToken?: never;
}): Promise<{ commandId: string }> => {
  const instanceIds = [...new Set(input.instanceIds)];
  if (instanceIds.length === 0 || instanceIds.length > SEND_COMMAND_MAX_INSTANCES) {
    throw new Error(
      `sendCommand got ${instanceIds.length} instance ids: SendCommand takes 1-${SEND_COMMAND_MAX_INSTANCES}, split the list`,
    );
  }
  if (
    !Number.isInteger(input.timeoutSeconds) ||
    input.timeoutSeconds < TIMEOUT_MIN ||
    input.timeoutSeconds > TIMEOUT_MAX
  ) {
    throw new Error(
      `timeoutSeconds ${input.timeoutSeconds} is not valid: SendCommand takes ${TIMEOUT_MIN}-${TIMEOUT_MAX} whole seconds`,
    );
  }
  if (input.comment.length > COMMENT_MAX) {
    throw new Error(
      `comment is ${input.comment.length} characters: SendCommand takes at most ${COMMENT_MAX}, shorten it (a hash of the key will do)`,
    );
  }
  let commandId: string | undefined;
  try {
    const out = await ssm().send(
      new SendCommandCommand({
        DocumentName: input.documentName,
        InstanceIds: instanceIds,
        Parameters: input.parameters,
        TimeoutSeconds: input.timeoutSeconds,
        Comment: input.comment,
      }),
    );
    commandId = out.Command?.CommandId;
  } catch (error) {
    if (error instanceof Error && isNamed(error, 'InvalidParameters'))
      throw new CommandRefusedError(input.documentName, error);
    throw error;
  }
  if (commandId === undefined) {
    throw new TransientError(`SendCommand ${input.documentName} returned no command id`);
  }
  return { commandId };
};

/**
 * Commands of one document sent to one instance (ListCommands with `InstanceId` and the
 * `DocumentName` filter, plus `InvokedAfter` when `after` is given), all pages, newest first as
 * SSM returns them. SSM keeps command history for 30 days. Use it to find a command already sent
 * before sending it again (SendCommand has no idempotency token).
 */
export const findCommands = async (input: {
  instanceId: string;
  documentName: string;
  after?: Date;
}): Promise<{ commandId: string; status: string; requestedAt?: Date; comment?: string }[]> => {
  const found: { commandId: string; status: string; requestedAt?: Date; comment?: string }[] = [];
  for await (const page of paginateListCommands(
    { client: ssm() },
    {
      InstanceId: input.instanceId,
      Filters: [
        { key: 'DocumentName', value: input.documentName },
        ...(input.after === undefined
          ? []
          : [{ key: 'InvokedAfter' as const, value: input.after.toISOString().replace(/\.\d{3}Z$/, 'Z') }]),
      ],
    },
  )) {
    for (const c of page.Commands ?? []) {
      if (c.CommandId === undefined) continue;
      found.push({
        commandId: c.CommandId,
        status: c.Status ?? 'unknown',
        requestedAt: c.RequestedDateTime,
        comment: c.Comment,
      });
    }
  }
  return found;
};

/**
 * One instance's result of a command (GetCommandInvocation), or `undefined` on
 * `InvocationDoesNotExist`, which also happens for a few seconds right after SendCommand: treat
 * it as "not yet", not as "never". stdout and stderr hold only the **first 24,000 characters**
 * and stay empty until the command finishes. Documents with several steps need a step name
 * (PluginName), which this does not pass: use one-step documents.
 */
export const getInvocation = async (
  commandId: string,
  instanceId: string,
): Promise<
  | { status: string; statusDetails?: string; responseCode?: number; stdout: string; stderr: string }
  | undefined
> => {
  try {
    const out = await ssm().send(
      new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
    );
    return {
      // ResponseCode is -1 while the command has not run on the instance.
      status: out.Status ?? 'unknown',
      statusDetails: out.StatusDetails,
      responseCode: out.ResponseCode,
      stdout: out.StandardOutputContent ?? '',
      stderr: out.StandardErrorContent ?? '',
    };
  } catch (error) {
    if (isNamed(error, 'InvocationDoesNotExist')) return undefined;
    throw error;
  }
};

/**
 * A plain (String) parameter's value, or `undefined` when it does not exist. Never used for
 * SecureString values: secrets are resolved on the instances, not in a Lambda.
 */
export const getParameterValue = async (name: string): Promise<string | undefined> => {
  try {
    const out = await ssm().send(new GetParameterCommand({ Name: name, WithDecryption: false }));
    return out.Parameter?.Value;
  } catch (error) {
    if (error instanceof Error && error.name === 'ParameterNotFound') return undefined;
    throw error;
  }
};

/** ListCommands accepts MaxResults 1-50. */
const COMMANDS_PAGE = 50;

/**
 * SSM's view of each instance among `instanceIds` that ever registered: online or not, and its
 * last ping. Ids go in batches of one page (50), so each batch is one call. Absent ids never
 * registered (or were deregistered).
 */
export const instancePings = async (
  instanceIds: readonly string[],
): Promise<Map<string, { online: boolean; lastPingAt?: Date }>> => {
  const found = new Map<string, { online: boolean; lastPingAt?: Date }>();
  for (const batch of chunk([...new Set(instanceIds)], INFORMATION_PAGE)) {
    for await (const page of paginateDescribeInstanceInformation(
      { client: ssm(), pageSize: INFORMATION_PAGE },
      { Filters: [{ Key: 'InstanceIds', Values: batch }] },
    )) {
      for (const info of page.InstanceInformationList ?? []) {
        if (info.InstanceId === undefined) continue;
        found.set(info.InstanceId, {
          online: info.PingStatus === 'Online',
          ...(info.LastPingDateTime ? { lastPingAt: info.LastPingDateTime } : {}),
        });
      }
    }
  }
  return found;
};

export interface CommandOutput {
  readonly commandId: string;
  readonly instanceId: string;
  readonly status: string;
  readonly requestedAt: Date;
  /** The step's output as ListCommandInvocations returns it (its first 2,500 characters). */
  readonly output: string;
}

/**
 * Every invocation of the commands of `documentName` sent after `after` (newest commands first,
 * at most `maxCommands` of them), with each instance's status and output: ListCommands, then
 * ListCommandInvocations with `Details` per command. The calls follow the commands, not the
 * instances. Output is cut at 2,500 characters: meant for documents that print a few lines.
 */
export const recentCommandOutputs = async (input: {
  documentName: string;
  after: Date;
  maxCommands: number;
}): Promise<CommandOutput[]> => {
  const commands: { commandId: string; requestedAt: Date }[] = [];
  for await (const page of paginateListCommands(
    { client: ssm(), pageSize: COMMANDS_PAGE },
    {
      Filters: [
        { key: 'DocumentName', value: input.documentName },
        { key: 'InvokedAfter', value: input.after.toISOString().replace(/\.\d{3}Z$/, 'Z') },
      ],
    },
  )) {
    for (const c of page.Commands ?? []) {
      if (c.CommandId === undefined || c.RequestedDateTime === undefined) continue;
      commands.push({ commandId: c.CommandId, requestedAt: c.RequestedDateTime });
    }
    if (commands.length >= input.maxCommands) break;
  }
  const outputs: CommandOutput[] = [];
  for (const command of commands.slice(0, input.maxCommands)) {
    for await (const page of paginateListCommandInvocations(
      { client: ssm() },
      { CommandId: command.commandId, Details: true },
    )) {
      for (const inv of page.CommandInvocations ?? []) {
        if (inv.InstanceId === undefined) continue;
        outputs.push({
          commandId: command.commandId,
          instanceId: inv.InstanceId,
          status: inv.Status ?? 'unknown',
          requestedAt: command.requestedAt,
          output: (inv.CommandPlugins ?? []).map((p) => p.Output ?? '').join('\n'),
        });
      }
    }
  }
  return outputs;
};
