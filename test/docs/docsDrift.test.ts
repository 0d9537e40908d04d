// The README, docs/ (with docs/samples/) and weights/README.md against the repository: every
// relative link (and its #anchor) resolves, every repository path they cite exists, every
// `METHOD /path` is a server route, the README's socket.io events are the protocol's, flags given
// to scripts/ and bench/ are ones they read, the workflow table lists exactly the files in
// workflows/, and every `narflow run workflows/X.json --set N.input=…` / `--only N` example (and the
// `/api/workflows/NAME/run` request's "set") names a node of that workflow and an input of that
// node's type. (narflow command flags are checked in test/cli/options.test.ts.)
import * as fs from 'fs';
import * as path from 'path';
import { pack as corePack } from '../../nodes/core';
import { pack as evalPack } from '../../nodes/eval';
import { pack as narPack } from '../../nodes/nar';
import { EXECUTION_EVENTS } from '../../server/api/protocol';
import { NodeRegistry } from '../../server/engine/registry/registry';

const root = path.resolve(__dirname, '../..');
const DOCS = [
  'README.md',
  ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
  ...fs.readdirSync(path.join(root, 'docs/samples')).filter((f) => f.endsWith('.md')).map((f) => `docs/samples/${f}`),
  'weights/README.md',
];
const read = (doc: string) => fs.readFileSync(path.join(root, doc), 'utf8');
/** The text outside fenced code blocks (links there are not links). */
const prose = (text: string) => text.replace(/^```[\s\S]*?^```/gm, '');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .replace(/ /g, '-');
}
function anchorsOf(file: string): Set<string> {
  const text = prose(fs.readFileSync(file, 'utf8'));
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1])));
}

describe('links in the README and docs', () => {
  it('every relative link resolves to a file, and its #anchor to a heading there', () => {
    const checked: string[] = [];
    for (const doc of DOCS) {
      for (const m of prose(read(doc)).matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1];
        if (/^[a-z]+:/i.test(target)) continue; // http:, https:, mailto:
        const [file, anchor] = target.split('#');
        const abs = file ? path.resolve(root, path.dirname(doc), file) : path.join(root, doc);
        checked.push(`${doc} → ${target}`);
        expect({ doc, target, exists: fs.existsSync(abs) }).toEqual({ doc, target, exists: true });
        if (anchor) expect({ doc, target, anchor: anchorsOf(abs).has(anchor) }).toEqual({ doc, target, anchor: true });
      }
    }
    expect(checked).toEqual(expect.arrayContaining(['README.md → docs/plugins.md', 'README.md → #inpainting-and-outpainting']));
  });

  it('every repository path they cite in code spans exists', () => {
    const TOP = /^(bench|bin|docs|examples|models|nodes|scripts|server|test|ui|workflows|weights)\//;
    const cited: string[] = [];
    for (const doc of DOCS) {
      for (const m of read(doc).matchAll(/`([^`\n]+)`/g)) {
        // a path alone, or the script / test a command names (`npx tsx scripts/x.ts --flag`, `npx jest test/x`)
        for (const word of m[1].split(/\s+/)) {
          const p = word.replace(/[),;:]+$/, '');
          if (!TOP.test(p) || /[<>*{}|…]|KIND/.test(p)) continue;
          if (p.startsWith('bench/results/') || (p.startsWith('weights/') && /\.(pt|pth|onnx)$/.test(p))) continue; // written by runs / put there by users
          cited.push(p);
          // a jest pattern (test/ui/defaultWorkflow) names the files it starts
          const exists = fs.existsSync(path.join(root, p)) || (p.startsWith('test/') && fs.readdirSync(path.join(root, path.dirname(p))).some((f) => f.startsWith(path.basename(p))));
          expect({ doc, path: p, exists }).toEqual({ doc, path: p, exists: true });
        }
      }
    }
    expect(cited).toEqual(expect.arrayContaining(['scripts/inpaint-eval.ts', 'test/engine/examplePlugin.test.ts', 'server/api/protocol.ts']));
  });
});

describe('HTTP routes in the README and docs', () => {
  it('every `METHOD /path` they name is a route of the server', () => {
    const routesDir = path.join(root, 'server/http/routes');
    const routes = new Set<string>();
    for (const f of fs.readdirSync(routesDir)) {
      for (const m of fs.readFileSync(path.join(routesDir, f), 'utf8').matchAll(/\br\.(get|post|put|delete)\(\s*'([^']+)'/g)) {
        routes.add(`${m[1].toUpperCase()} ${m[2].replace(/:\w+/g, ':x')}`);
      }
    }
    const named: string[] = [];
    for (const doc of DOCS) {
      for (const m of read(doc).matchAll(/\b((?:GET|POST|PUT|DELETE)(?:\|(?:GET|POST|PUT|DELETE))*) (\/[^\s`),;]*)/g)) {
        // `/api/x` and `/x` are the same route (ComfyUI's root aliases); `{id}`, `NAME`, `<kind>` are parameters
        const p = m[2].replace(/^\/api(?=\/)/, '').replace(/\{\w+\}|<\w+>|\b[A-Z]+\b|:\w+/g, ':x');
        const paths = p.includes('[') ? [p.replace(/\[.*\]/, ''), p.replace(/[[\]]/g, '')] : [p];
        for (const method of m[1].split('|')) {
          for (const route of paths) {
            named.push(`${method} ${route}`);
            expect({ doc, named: `${method} ${route}`, isRoute: routes.has(`${method} ${route}`) }).toEqual({ doc, named: `${method} ${route}`, isRoute: true });
          }
        }
      }
    }
    expect(named).toEqual(expect.arrayContaining(['POST /prompt', 'GET /history/:x', 'POST /workflows/:x/run', 'GET /models/:x']));
  });
});

describe('socket.io events in the README', () => {
  it('lists exactly the events the server sends (server/api/protocol.ts)', () => {
    const sentence = /socket\.io events \(([^)]*(?:\([^)]*\)[^)]*)*)\)/.exec(read('README.md'));
    expect(sentence).not.toBeNull();
    const listed = [...sentence![1].matchAll(/`(\w+)`/g)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...EXECUTION_EVENTS, 'status'].sort());
  });
});

describe('script and bench command lines in the README and docs', () => {
  it('every flag given to `npx tsx scripts/X.ts` / `bench/X.ts` or `npm run bench --` is one that script reads', () => {
    const benchSources = fs.readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.ts')).map((f) => read(`bench/${f}`)).join('\n');
    const seen: string[] = [];
    for (const doc of DOCS) {
      const text = read(doc).replace(/\\\n\s*/g, ' ');
      for (const m of text.matchAll(/(?:npx tsx ((?:scripts|bench)\/[\w/.-]+\.ts)|npm run bench --)([^`\n#]*)/g)) {
        const source = m[1] ? read(m[1]) : benchSources;
        for (const f of m[2].match(/(?<=\s|\[)--[a-z][a-z0-9-]*/g) ?? []) {
          const name = f.slice(2);
          seen.push(`${m[1] ?? 'bench'} ${f}`);
          const reads = source.includes(`'${name}'`) || source.includes(`"${name}"`) || source.includes(`'--${name}'`);
          expect({ doc, script: m[1] ?? 'bench', flag: f, reads }).toEqual({ doc, script: m[1] ?? 'bench', flag: f, reads: true });
        }
      }
    }
    expect(seen).toEqual(expect.arrayContaining(['scripts/inpaint-eval.ts --pictures', 'scripts/train-bundled.ts --steps-scale', 'bench --size']));
  });
});

describe('workflow examples in the README and docs', () => {
  const registry = new NodeRegistry();
  for (const pack of [corePack, narPack, evalPack]) registry.addPack(pack);
  const workflowFiles = fs.readdirSync(path.join(root, 'workflows')).filter((f) => f.endsWith('.json'));

  /** node id → type of a shipped workflow (editor form or API form). */
  function nodesOf(workflow: string): Map<string, string> {
    const wf = JSON.parse(fs.readFileSync(path.join(root, workflow), 'utf8'));
    if (Array.isArray(wf.nodes)) return new Map(wf.nodes.map((n: { id: number; type: string }) => [String(n.id), n.type]));
    return new Map(Object.entries(wf as Record<string, { class_type: string }>).map(([id, n]) => [id, n.class_type]));
  }

  function expectInput(where: string, workflow: string, node: string, input?: string) {
    const type = nodesOf(workflow).get(node);
    expect({ where, workflow, node, exists: type !== undefined }).toEqual({ where, workflow, node, exists: true });
    if (input === undefined) return;
    const inputs = Object.keys(registry.get(type!)?.inputs ?? {});
    expect({ where, workflow, node, type, input, known: inputs.includes(input) }).toEqual({ where, workflow, node, type, input, known: true });
  }

  it('the README workflow table lists exactly the files in workflows/', () => {
    const section = read('README.md').split(/^## Workflows$/m)[1].split(/^## /m)[0];
    const listed = [...section.matchAll(/^\| (.+?) \|/gm)].flatMap((m) => [...m[1].matchAll(/`([\w-]+)`/g)].map((n) => `${n[1]}.json`));
    expect(listed.sort()).toEqual([...workflowFiles].sort());
  });

  it('every --set and --only of a `narflow run workflows/X.json` line names a node and input of X', () => {
    let checked = 0;
    for (const doc of DOCS) {
      const text = read(doc).replace(/\\\n\s*/g, ' ');
      for (const m of text.matchAll(/narflow run (workflows\/[\w-]+\.json)([^`\n]*)/g)) {
        const [, workflow, rest] = m;
        expect({ doc, workflow, exists: workflowFiles.includes(path.basename(workflow)) }).toEqual({ doc, workflow, exists: true });
        for (const s of rest.matchAll(/--set[ =]([\w:]+)\.(\w+)=/g)) {
          if (s[1].includes(':')) continue; // a node inside a subgraph instance
          expectInput(doc, workflow, s[1], s[2]);
          checked++;
        }
        for (const o of rest.matchAll(/--only[ =]([\w,]+)/g)) {
          for (const id of o[1].split(',')) expectInput(doc, workflow, id);
          checked++;
        }
      }
      for (const m of text.matchAll(/\/api\/workflows\/([\w-]+)\/run[^`]*?-d '(\{.*?\})'/g)) {
        const workflow = `workflows/${m[1]}.json`;
        const body = JSON.parse(m[2]) as { set?: Record<string, unknown> };
        for (const key of Object.keys(body.set ?? {})) {
          const [node, input] = key.split('.');
          expectInput(doc, workflow, node, input);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });
});
