/** Names derived from the deployment, shared by the stacks and the CLI scripts. */
export const busName = (deployment: string): string => `${deployment}-autopilot`;
