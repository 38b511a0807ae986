import { Aspects, type IAspect, Stack } from 'aws-cdk-lib';
import { CfnAlarm, CfnCompositeAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { IConstruct } from 'constructs';

/** Every alarm of a stack is named `<stack name>-...`, so one rule can route all of ours and no other. */
export const alarmNamePrefix = (stack: Stack): string => `${stack.stackName}-`;

/** A readable, stable name from the alarm's construct path (CloudWatch allows 255 characters). */
export const alarmNameFor = (alarm: IConstruct): string => {
  const stack = Stack.of(alarm);
  const path = alarm.node.path
    .split('/')
    .slice(1)
    .filter((part) => part !== 'Resource')
    .join('-')
    .replace(/[^A-Za-z0-9_.-]/g, '-');
  return `${alarmNamePrefix(stack)}${path}`.slice(0, 255);
};

class NameAlarms implements IAspect {
  visit(node: IConstruct): void {
    // An L2 alarm without a name carries a token that resolves to nothing.
    if (
      (node instanceof CfnAlarm || node instanceof CfnCompositeAlarm) &&
      Stack.of(node).resolve(node.alarmName) === undefined
    ) {
      node.alarmName = alarmNameFor(node);
    }
  }
}

export const nameAlarms = (stack: Stack): void => {
  Aspects.of(stack).add(new NameAlarms());
};
