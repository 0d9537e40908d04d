// npm run bench: runs every bench/*.bench.ts in one process, in name order, and prints their tables.
// Flags are passed through (e.g. `npm run bench -- --size tiny`).
import * as fs from 'fs';
import * as path from 'path';

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => !only || only.split(',').some((o) => f.startsWith(o)))
    .sort();
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  for (const f of files) {
    process.stdout.write(`\n=== ${f} (${new Date().toISOString()}) ===\n`);
    const mod = require(path.join(__dirname, f)) as { run(argv: string[]): Promise<void> };
    await mod.run(process.argv.slice(2));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
