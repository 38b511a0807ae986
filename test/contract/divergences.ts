/**
 * Where moto 5.2 is not AWS, in one list. A contract test whose AWS behaviour moto does not have
 * runs only against the fake (which carries AWS's documented behaviour) and names its entry here,
 * so a reader sees every rule the emulator cannot check for us.
 */
export const MOTO_DIVERGENCES = {
  'dynamodb-unused-values':
    'DynamoDB: moto refuses unused ExpressionAttributeValues only on UpdateItem; AWS refuses them on every operation (DynamoDB developer guide, "ExpressionAttributeValues").',
} as const;

export type MotoDivergence = keyof typeof MOTO_DIVERGENCES;
