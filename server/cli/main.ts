// narflow command-line entry: dispatches to server/cli/commands/<name>.ts.
// Each command module exports `command: CliCommand`.
import * as fs from 'fs';
import * as path from 'path';
import type { CliCommand } from './command';

function loadCommands(): Map<string, CliCommand> {
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

function usage(cmds: Map<string, CliCommand>): string {
  const lines = ['usage: narflow <command> [options]', '', 'commands:'];
  for (const c of cmds.values()) lines.push(`  ${c.name.padEnd(16)} ${c.summary}`);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const cmds = loadCommands();
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage(cmds) + '\n');
    return name ? 0 : 2;
  }
  const cmd = cmds.get(name);
  if (!cmd) {
    process.stderr.write(`narflow: unknown command '${name}'\n\n${usage(cmds)}\n`);
    return 2;
  }
  return cmd.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`narflow: ${err.message}\n`);
    process.exitCode = 1;
  },
);
