// narflow serve [--host --port --token --plugins DIR]: the HTTP/socket.io API and the editor.
import type { CliCommand } from '../command';
import { SERVE_HELP, SERVE_OPTIONS, serveMain } from '../serveMain';

export const command: CliCommand = {
  name: 'serve',
  summary: 'serve the API and editor (127.0.0.1:8188; --host/--port/--token/--plugins; --redis URL for workers)',
  usage: `usage: narflow serve [options]\n${SERVE_HELP}`,
  options: SERVE_OPTIONS,
  run: (args) => serveMain(args, { announceEditor: false }),
};
