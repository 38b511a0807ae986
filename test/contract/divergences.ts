/**
 * Where moto 5.2 is not AWS, in one list. A contract test whose AWS behaviour moto does not have
 * runs only against the fake (which carries AWS's documented behaviour) and names its entry here,
 * so a reader sees every rule the emulator cannot check for us.
 */
export const MOTO_DIVERGENCES = {
  'dynamodb-unused-values':
    'DynamoDB: moto refuses unused ExpressionAttributeValues only on UpdateItem; AWS refuses them on every operation (DynamoDB developer guide, "ExpressionAttributeValues").',
  'dynamodb-undefined-placeholder':
    'DynamoDB: an expression using a #name or :value the request does not declare makes moto fail with HTTP 500 (an HTML page the SDK cannot parse); AWS answers ValidationException ("An expression attribute name used in the document path is not defined").',
  'dynamodb-mixed-type-comparison':
    'DynamoDB: a condition ordering (<, <=, >, >=) a string against a number makes moto fail with HTTP 500; AWS evaluates it to false, so the request fails with ConditionalCheckFailedException.',
} as const;

export type MotoDivergence = keyof typeof MOTO_DIVERGENCES;
