// Command-line flags of the benches and perf scripts: `--name value` or `--name=value`.

/** The value of `--name` in argv, or `dflt` when absent; a flag without a value is an error. */
export function flag(argv: string[], name: string, dflt: string): string {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return dflt;
  const v = argv[i].includes('=') ? argv[i].slice(argv[i].indexOf('=') + 1) : argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
  return v;
}
