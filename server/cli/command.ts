// A CLI command and a small flag parser shared by all commands.

export interface CliCommand {
  name: string;
  summary: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

export interface ParsedArgs {
  flags: Map<string, string[]>;
  positional: string[];
}

/** Parses `--name value`, `--name=value` and boolean `--flag` (listed in `booleans`). */
export function parseArgs(argv: string[], booleans: string[] = []): ParsedArgs {
  const flags = new Map<string, string[]>();
  const positional: string[] = [];
  const add = (k: string, v: string) => flags.set(k, [...(flags.get(k) ?? []), v]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) add(a.slice(2, eq), a.slice(eq + 1));
      else if (booleans.includes(a.slice(2))) add(a.slice(2), 'true');
      else {
        if (i + 1 >= argv.length) throw new Error(`option ${a} needs a value`);
        add(a.slice(2), argv[++i]);
      }
    } else positional.push(a);
  }
  return { flags, positional };
}

export function flag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return v ? v[v.length - 1] : undefined;
}

export function requireFlag(args: ParsedArgs, name: string): string {
  const v = flag(args, name);
  if (v === undefined) throw new Error(`missing required option --${name}`);
  return v;
}

export function numberFlag(args: ParsedArgs, name: string, dflt: number): number {
  const v = flag(args, name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`option --${name} expects a number, got '${v}'`);
  return n;
}
