// narflow serve [--host --port --token --plugins DIR]: the HTTP/socket.io API and the editor.
import { CliCommand } from '../command';
import { serveMain } from '../serveMain';

export const command: CliCommand = {
  name: 'serve',
  summary: 'serve the API and editor (127.0.0.1:8188; --host/--port/--token/--plugins; --redis URL for workers)',
  run: (argv) => serveMain(argv, 'usage: narflow serve [options]', { announceEditor: false }),
};
