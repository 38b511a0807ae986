/**
 * A client stub for fakes that answer hundreds of thousands of calls (the randomized nights):
 * `send` looks the command's class up in a map and calls the fake with the input. It offers the
 * part of aws-sdk-client-mock's stub the scenario fake uses (`on(Command).callsFake`,
 * `onAnyCommand().callsFake`, `restore`), without its per-call argument matching and call
 * records, which cost most of a night. Unit tests that assert on calls keep aws-sdk-client-mock.
 */

type Fake = (input: never) => unknown;
interface Client {
  prototype: { send: unknown };
}

export class FastStub {
  private readonly fakes = new Map<unknown, Fake>();
  private fallback: Fake = () => {
    throw new Error('fast stub: no fake for this command');
  };
  private readonly original: unknown;

  constructor(private readonly client: Client) {
    this.original = client.prototype.send;
    const fakes = this.fakes;
    const fallback = (): Fake => this.fallback;
    client.prototype.send = function send(command: { constructor: unknown; input: never }): Promise<unknown> {
      const fake = fakes.get(command.constructor) ?? fallback();
      // Called at once, like the SDK's own send, so the caller's async context is the call's; a
      // fake that throws becomes a rejected call, as an AWS error does.
      return new Promise((resolve) => resolve(fake(command.input)));
    };
  }

  on(command: unknown): { callsFake: (fake: Fake) => FastStub } {
    return {
      callsFake: (fake) => {
        this.fakes.set(command, fake);
        return this;
      },
    };
  }

  onAnyCommand(): { callsFake: (fake: Fake) => FastStub } {
    return {
      callsFake: (fake) => {
        this.fallback = fake;
        return this;
      },
    };
  }

  restore(): void {
    this.client.prototype.send = this.original;
  }
}
