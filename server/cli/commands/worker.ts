// narflow worker --redis URL [--device …]: runs prompts from the Redis queue, no HTTP.
import { CliCommand, parseArgs } from '../command';
import { HOST_FLAGS_HELP } from '../hostFlags';

const USAGE = 'usage: narflow worker --redis URL [options]';

export const command: CliCommand = {
  name: 'worker',
  summary: 'run prompts from a Redis queue shared with `narflow serve --redis` (no HTTP)',
  async run(argv) {
    const args = parseArgs(argv, ['shared-output', 'help']);
    // Loaded lazily: BullMQ is only needed by this command.
    /* eslint-disable @typescript-eslint/no-var-requires */
    const { REDIS_COMMON_HELP } = require('../../worker/redisFlags') as typeof import('../../worker/redisFlags');
    if (args.flags.has('help')) {
      const extra = [
        '  --name NAME       worker name (default <host>-<pid>); its files land in output/workers/NAME/',
        '  --shared-output   the server reads this worker\'s --data-dir (shared disk): no upload through Redis',
      ];
      process.stdout.write(`${USAGE}\n${[...REDIS_COMMON_HELP, ...extra, ...HOST_FLAGS_HELP].join('\n')}\n`);
      return 0;
    }
    const { workerMain } = require('../../worker/workerMain') as typeof import('../../worker/workerMain');
    /* eslint-enable @typescript-eslint/no-var-requires */
    return workerMain(args);
  },
};
