/** Names derived from the deployment, shared by the stacks and the CLI scripts. */
export const busName = (deployment: string): string => `${deployment}-autopilot`;

/** Named so the CLI can read a fleet's history without looking the stack up. */
export const ledgerTableName = (deployment: string): string => `${deployment}-autopilot-ledger`;
