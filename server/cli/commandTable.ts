// The commands of server/cli/commands/<name>.ts, by name; each module exports `command: CliCommand`.
import * as fs from 'fs';
import * as path from 'path';
import type { CliCommand } from './command';

export function loadCommands(): Map<string, CliCommand> {
  const dir = path.join(__dirname, 'commands');
  const map = new Map<string, CliCommand>();
  for (const f of fs.readdirSync(dir).sort()) {
    if (!/\.ts$/.test(f) || f.endsWith('.d.ts')) continue;
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require(path.join(dir, f)) as { command?: CliCommand };
    if (mod.command) map.set(mod.command.name, mod.command);
  }
  return map;
}
