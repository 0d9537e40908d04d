// A CLI command and the flag parsers shared by all commands.

export interface CliCommand {
  name: string;
  summary: string;
  /** What `narflow <name> --help` prints. */
  usage: string;
  /** The options it takes; any other is refused before `run`, naming the nearest. */
  options: OptionSpec;
  /** Returns the process exit code. */
  run(args: ParsedArgs): Promise<number>;
}

export interface OptionSpec {
  /** options that take a value: `--name value` or `--name=value` */
  values?: readonly string[];
  /** options that take none: `--name` */
  booleans?: readonly string[];
  /** how many plain arguments it takes (default none) */
  positional?: number;
}

export interface ParsedArgs {
  flags: Map<string, string[]>;
  positional: string[];
}

/** A command line the command cannot take: `narflow` prints it with a pointer to --help, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Parses `--name value`, `--name=value` and boolean `--flag` (listed in `booleans`), taking any
 * name: for scripts. Commands use `parseOptions`, which refuses names they do not take.
 */
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

/** Edit distance counting a swap of two neighbours as one edit (optimal string alignment), for "did you mean". */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The known name closest to `name` when it is plausibly a typo of it (or, from 3 letters, a prefix either way). */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const k of known) {
    const prefix = Math.min(name.length, k.length) >= 3 && (k.startsWith(name) || name.startsWith(k));
    const d = prefix ? Math.min(1, editDistance(name, k)) : editDistance(name, k);
    if (!best || d < best.d) best = { name: k, d };
  }
  return best && best.d <= Math.max(1, Math.min(2, Math.floor(name.length / 3))) ? best.name : undefined;
}

/**
 * Parses a command's arguments against the options it takes (`--help` and `-h` always; `--`
 * ends the options). Returns `help: true` when help was asked for, whatever else is wrong;
 * otherwise throws a UsageError for an unknown option (naming the nearest and every one the
 * command takes), a missing value, or a stray argument.
 */
export function parseOptions(command: string, argv: string[], spec: OptionSpec): ParsedArgs & { help: boolean } {
  const values = new Set(spec.values ?? []);
  const booleans = new Set(spec.booleans ?? []);
  const flags = new Map<string, string[]>();
  const positional: string[] = [];
  const problems: string[] = [];
  let help = false;
  const add = (k: string, v: string) => flags.set(k, [...(flags.get(k) ?? []), v]);
  const isOption = (a: string) => a === '-h' || a === '--help' || (a.startsWith('--') && (values.has(a.slice(2).split('=')[0]) || booleans.has(a.slice(2).split('=')[0])));
  const known = [...values, ...booleans, 'help'];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a === '--help' || a === '-h') {
      help = true;
      continue;
    }
    if (!a.startsWith('-') || a === '-' || /^-\d/.test(a)) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.startsWith('--') ? a.slice(2, eq > 0 ? eq : undefined) : a;
    if (values.has(name)) {
      if (eq > 0) add(name, a.slice(eq + 1));
      else if (i + 1 < argv.length && !isOption(argv[i + 1])) add(name, argv[++i]);
      else problems.push(`option --${name} needs a value`);
    } else if (booleans.has(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : 'true';
      if (v === 'true') add(name, v);
      else if (v !== 'false') problems.push(`option --${name} takes no value, got '${v}'`);
    } else {
      const shown = a.startsWith('--') ? `--${name}` : a;
      const near = a.startsWith('--') ? nearestName(name, known) : undefined;
      problems.push(`unknown option ${shown}${near ? ` (did you mean --${near}?)` : ''}`);
      if (eq < 0 && i + 1 < argv.length && !argv[i + 1].startsWith('-')) i++; // most likely its value, not a stray argument
    }
  }
  if (help) return { flags, positional, help };
  const max = spec.positional ?? 0;
  if (positional.length > max) {
    const extra = positional.slice(max).map((p) => `'${p}'`).join(', ');
    problems.push(max ? `takes ${max} path${max > 1 ? 's' : ''}; unexpected ${extra}` : `takes no plain arguments; unexpected ${extra}`);
  }
  if (problems.length) {
    throw new UsageError(`${problems.join('; ')}\n${command} takes ${known.map((k) => `--${k}`).join(', ')} (narflow ${command} --help)`);
  }
  return { flags, positional, help };
}

/** A whole number ≥ `min` (default 1), or the default when absent; anything else is named. */
export function intFlag(args: ParsedArgs, name: string, dflt: number, min = 1): number {
  const v = flag(args, name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min) throw new UsageError(`option --${name} expects a whole number${min === 1 ? ' of at least 1' : min === 0 ? ' of at least 0' : ` of at least ${min}`}, got '${v}'`);
  return n;
}
