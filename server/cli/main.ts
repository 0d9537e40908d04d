// narflow command-line entry: dispatches to server/cli/commands/<name>.ts.
// Each command module exports `command: CliCommand`.
import { nearestName, parseOptions, UsageError, type CliCommand } from './command';
import { loadCommands } from './commandTable';

function usage(cmds: Map<string, CliCommand>): string {
  const lines = ['usage: narflow <command> [options]', '', 'commands:'];
  for (const c of cmds.values()) lines.push(`  ${c.name.padEnd(16)} ${c.summary}`);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const cmds = loadCommands();
  const [name, ...rest] = argv;
  if (name === 'help' && rest.length === 1 && cmds.has(rest[0])) {
    process.stdout.write(cmds.get(rest[0])!.usage + '\n');
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage(cmds) + '\n');
    return name ? 0 : 2;
  }
  const cmd = cmds.get(name);
  if (!cmd) {
    const near = nearestName(name, [...cmds.keys()]);
    process.stderr.write(`narflow: unknown command '${name}'${near ? ` (did you mean ${near}?)` : ''}\n\n${usage(cmds)}\n`);
    return 2;
  }
  try {
    const args = parseOptions(name, rest, cmd.options);
    if (args.help) {
      process.stdout.write(cmd.usage + '\n');
      return 0;
    }
    return await cmd.run(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`narflow ${name}: ${e.message}\n`);
    return 2;
  }
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
