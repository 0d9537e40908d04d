// narflow start: serve on 127.0.0.1:8188 with the editor (built if needed) and print its URL.
import type { CliCommand } from '../command';
import { SERVE_HELP, SERVE_OPTIONS, serveMain } from '../serveMain';

export const command: CliCommand = {
  name: 'start',
  summary: 'start the editor at http://127.0.0.1:8188/ (builds it if needed)',
  usage: `usage: narflow start [options]\n${SERVE_HELP}`,
  options: SERVE_OPTIONS,
  run: (args) => serveMain(args, { announceEditor: true }),
};
