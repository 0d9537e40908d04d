// narflow worker --redis URL [--device …]: runs prompts from the Redis queue, no HTTP.
import type { CliCommand } from '../command';
import { HOST_FLAGS_HELP, HOST_OPTIONS, REDIS_OPTIONS } from '../hostFlags';
import { REDIS_COMMON_HELP } from '../../worker/redisFlags';

const USAGE = [
  'usage: narflow worker --redis URL [options]',
  ...REDIS_COMMON_HELP,
  '  --name NAME       worker name (default <host>-<pid>); its files land in output/workers/NAME/',
  "  --shared-output   the server reads this worker's --data-dir (shared disk): no upload through Redis",
  ...HOST_FLAGS_HELP,
].join('\n');

export const command: CliCommand = {
  name: 'worker',
  summary: 'run prompts from a Redis queue shared with `narflow serve --redis` (no HTTP)',
  usage: USAGE,
  options: { values: [...REDIS_OPTIONS, 'name', ...HOST_OPTIONS], booleans: ['shared-output'] },
  async run(args) {
    // Loaded lazily: BullMQ is only needed by this command.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { workerMain } = require('../../worker/workerMain') as typeof import('../../worker/workerMain');
    return workerMain(args);
  },
};
