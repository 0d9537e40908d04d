// narflow nodes: lists the node types of every loaded pack.
import type { CliCommand } from '../command';
import { buildRegistry } from '../../host/host';
import { configFromFlags, HOST_FLAGS_HELP, HOST_OPTIONS } from '../hostFlags';

const USAGE = [
  'usage: narflow nodes [--json] [--plugins DIR] [--packs a,b] [--data-dir DIR] [--models DIR]',
  '  --json            object_info-like JSON (type, pack, category, inputs, outputs) instead of a table',
  ...HOST_FLAGS_HELP.filter((l) => !l.trimStart().startsWith('--device')),
].join('\n');

export const command: CliCommand = {
  name: 'nodes',
  summary: 'list node types (--json for object_info-like output)',
  usage: USAGE,
  options: { values: HOST_OPTIONS.filter((o) => o !== 'device'), booleans: ['json'] },
  async run(args) {
    const config = configFromFlags(args);
    const { registry, report } = buildRegistry(config);
    if (args.flags.has('json')) {
      const out = registry.entries().map(({ def, pack }) => ({
        type: def.type,
        pack,
        category: def.category,
        display_name: def.displayName,
        inputs: Object.fromEntries(Object.entries(def.inputs).map(([k, v]) => [k, v.type])),
        outputs: def.outputs.map((o) => o.type),
        output_node: Boolean(def.outputNode),
      }));
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    } else {
      const rows = registry.entries().sort((a, b) => a.pack.localeCompare(b.pack) || a.def.category.localeCompare(b.def.category) || a.def.type.localeCompare(b.def.type));
      const w = Math.max(4, ...rows.map((r) => r.def.type.length));
      const p = Math.max(4, ...rows.map((r) => r.pack.length));
      const c = Math.max(8, ...rows.map((r) => r.def.category.length));
      process.stdout.write(`${'TYPE'.padEnd(w)}  ${'PACK'.padEnd(p)}  ${'CATEGORY'.padEnd(c)}  INPUTS -> OUTPUTS\n`);
      for (const { def, pack } of rows) {
        const ins = Object.entries(def.inputs).map(([k, v]) => `${k}:${v.type}${v.optional ? '?' : ''}`).join(', ');
        const outs = def.outputs.map((o) => o.type).join(', ') || (def.outputNode ? '(output node)' : '-');
        process.stdout.write(`${def.type.padEnd(w)}  ${pack.padEnd(p)}  ${def.category.padEnd(c)}  ${ins} -> ${outs}\n`);
      }
    }
    for (const f of report.failed) process.stderr.write(`pack not loaded: ${f.dir}: ${f.error}\n`);
    return 0;
  },
};
