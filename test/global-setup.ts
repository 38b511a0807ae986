import { MOTO_AVAILABLE_ENV, probeMoto } from './contract/moto';

/** Once per run: is moto server here? The contract suites' moto half runs only if it is. */
export default function globalSetup(): void {
  const available = probeMoto();
  process.env[MOTO_AVAILABLE_ENV] = available ? '1' : '0';
  if (!available)
    process.stdout.write(
      '\nmoto server not found (python3 -m moto.server): the contract suites run against our fakes only. Install it with `pip install "moto[server]"` (README, "Tests").\n',
    );
}
