/**
 * Answers SDK calls in turn and records a copy of every input: the SDK's paginators mutate one
 * input object, so aws-sdk-client-mock's own call log shows only the last page token.
 */
export const inTurn = (answers: object[]) => {
  const sent: object[] = [];
  const fake = (input: object) => {
    sent.push({ ...input });
    return Promise.resolve(answers[sent.length - 1] ?? {});
  };
  return { sent, fake };
};
