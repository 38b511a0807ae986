import { answerOf, parseJobCheckOutput } from '../../../functions/fleet-sweeper/job-check';

const at = new Date('2026-11-30T10:00:00Z');

describe('parseJobCheckOutput', () => {
  it.each([
    ['sample 1: 0 ...\nJOBS 0\nRESULT idle\n', { result: 'idle' }],
    ['JOBS 2\nRESULT busy', { result: 'busy', jobs: 2 }],
    ['RESULT busy', { result: 'busy', jobs: 1 }],
    ['JOBS 3\nRESULT idle', undefined],
    ['RESULT fail: docker is installed but does not answer', undefined],
    ['', undefined],
    ['RESULT idle\ntrailing noise', undefined],
  ])('reads %j as %j', (output, expected) => {
    expect(parseJobCheckOutput(output)).toEqual(expected);
  });
});

describe('answerOf', () => {
  it.each([
    ['Success', 'JOBS 0\nRESULT idle', { kind: 'idle', at }],
    ['Success', 'JOBS 1\nRESULT busy', { kind: 'busy', jobs: 1, at }],
    ['InProgress', '', { kind: 'pending', at }],
    ['Pending', '', { kind: 'pending', at }],
    ['Failed', 'RESULT fail: x', { kind: 'failed', at }],
    ['TimedOut', '', { kind: 'failed', at }],
    ['Undeliverable', '', { kind: 'failed', at }],
    ['Success', 'garbage', { kind: 'failed', at }],
  ])('reads an invocation %s with %j', (status, output, expected) => {
    expect(answerOf({ status, output, requestedAt: at })).toEqual(expected);
  });
});
