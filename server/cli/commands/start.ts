// narflow start: serve on 127.0.0.1:8188 with the editor (built if needed) and print its URL.
import { CliCommand } from '../command';
import { serveMain } from '../serveMain';

export const command: CliCommand = {
  name: 'start',
  summary: 'start the editor at http://127.0.0.1:8188/ (builds it if needed)',
  run: (argv) => serveMain(argv, 'usage: narflow start [options]', { announceEditor: true }),
};
