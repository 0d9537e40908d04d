// Every command's options: --help prints its usage and exits 0, an unknown option is refused naming
// the nearest, the usage lists exactly the options it takes, and every flag the README and docs
// show for a command is one it takes.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { editDistance, intFlag, nearestName, parseOptions, UsageError } from '../../server/cli/command';
import { loadCommands } from '../../server/cli/commandTable';

const root = path.resolve(__dirname, '../..');
const BIN = path.join(root, 'bin/narflow.js');
const commands = loadCommands();

function narflow(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: root, encoding: 'utf8', timeout: 60000 });
}

/** The options a command takes, as `--name`. */
function optionsOf(name: string): string[] {
  const o = commands.get(name)!.options;
  return [...(o.values ?? []), ...(o.booleans ?? [])].map((k) => `--${k}`);
}

describe('parseOptions', () => {
  const spec = { values: ['set', 'out', 'seed'], booleans: ['greedy'], positional: 1 };

  it('reads values, booleans, --name=value, repeats and one plain argument', () => {
    const a = parseOptions('run', ['wf.json', '--set', '1.a=2', '--set=2.b=3', '--greedy', '--seed', '-3'], spec);
    expect(a.positional).toEqual(['wf.json']);
    expect(a.flags.get('set')).toEqual(['1.a=2', '2.b=3']);
    expect(a.flags.get('greedy')).toEqual(['true']);
    expect(a.flags.get('seed')).toEqual(['-3']); // a negative number is a value, not an option
    expect(a.help).toBe(false);
  });

  it('refuses an unknown option, naming the nearest and every option the command takes', () => {
    expect(() => parseOptions('run', ['wf.json', '--sett', '1.seed=abc'], spec)).toThrow(UsageError);
    expect(() => parseOptions('run', ['wf.json', '--sett', '1.seed=abc'], spec)).toThrow(
      "unknown option --sett (did you mean --set?)\nrun takes --set, --out, --seed, --greedy, --help (narflow run --help)",
    );
    expect(() => parseOptions('run', ['wf.json', '--frobnicate'], spec)).toThrow(/^unknown option --frobnicate\n/);
    expect(() => parseOptions('run', ['wf.json', '-x'], spec)).toThrow(/unknown option -x/);
  });

  it('refuses a missing value, a value for a boolean, and stray arguments', () => {
    expect(() => parseOptions('run', ['wf.json', '--out'], spec)).toThrow('option --out needs a value');
    expect(() => parseOptions('run', ['wf.json', '--out', '--greedy'], spec)).toThrow('option --out needs a value');
    expect(() => parseOptions('run', ['wf.json', '--greedy=yes'], spec)).toThrow("option --greedy takes no value, got 'yes'");
    expect(() => parseOptions('run', ['a.json', 'b.json'], spec)).toThrow("takes 1 path; unexpected 'b.json'");
    expect(() => parseOptions('nodes', ['x'], {})).toThrow("takes no plain arguments; unexpected 'x'");
  });

  it('answers help whatever else is on the line, and takes everything after -- as plain arguments', () => {
    expect(parseOptions('run', ['--sett', '--help'], spec).help).toBe(true);
    expect(parseOptions('run', ['-h'], spec).help).toBe(true);
    expect(parseOptions('run', ['--', '--odd-name.json'], spec).positional).toEqual(['--odd-name.json']);
  });

  it('suggests only plausible typos', () => {
    expect(editDistance('rnu', 'run')).toBe(1);
    expect(nearestName('sett', ['set', 'out'])).toBe('set');
    expect(nearestName('model-arg', ['model-args', 'cond'])).toBe('model-args');
    expect(nearestName('tokn', ['token', 'only'])).toBe('token');
    expect(nearestName('frobnicate', ['set', 'out'])).toBeUndefined();
    expect(nearestName('bogus', ['a', 'b'])).toBeUndefined();
  });

  it('intFlag takes whole numbers from the minimum up and names anything else', () => {
    const args = (v: string) => parseOptions('x', ['--count', v], { values: ['count'] });
    expect(intFlag(args('5'), 'count', 1)).toBe(5);
    expect(intFlag(parseOptions('x', [], { values: ['count'] }), 'count', 7)).toBe(7);
    for (const bad of ['0', '-3', '2.5', 'ten', '']) expect(() => intFlag(args(bad), 'count', 1)).toThrow(`option --count expects a whole number of at least 1, got '${bad}'`);
    expect(intFlag(args('0'), 'count', 1, 0)).toBe(0);
  });
});

describe('every command', () => {
  it('lists in its usage exactly the options it takes', () => {
    for (const [name, cmd] of commands) {
      const shown = new Set(cmd.usage.match(/--[a-z][a-z0-9-]*/g) ?? []);
      expect({ name, missing: optionsOf(name).filter((o) => !shown.has(o)) }).toEqual({ name, missing: [] });
      expect({ name, unknown: [...shown].filter((o) => !optionsOf(name).includes(o)) }).toEqual({ name, unknown: [] });
    }
  });

  it('takes every flag the README and docs show for it', () => {
    const docs = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`), 'docs/samples/README.md', 'weights/README.md'];
    const seen: string[] = [];
    for (const doc of docs.filter((d) => fs.existsSync(path.join(root, d)))) {
      // a command line: `narflow <command> ...` up to the end of its code span, a comment or the line (with \ continuations)
      const text = fs.readFileSync(path.join(root, doc), 'utf8').replace(/\\\n\s*/g, ' ');
      for (const m of text.matchAll(/narflow ([a-z-]+)((?: [^`#\n]*)?)/g)) {
        if (!commands.has(m[1])) continue;
        for (const f of m[2].match(/(?<=\s|\[|\|)--[a-z][a-z0-9-]*/g) ?? []) {
          seen.push(`${m[1]} ${f}`);
          expect({ doc, command: m[1], flag: f, takes: optionsOf(m[1]).includes(f) }).toEqual({ doc, command: m[1], flag: f, takes: true });
        }
      }
    }
    expect(seen).toEqual(expect.arrayContaining(['run --set', 'run --server', 'run --token', 'run --only', 'serve --no-local-worker', 'worker --name', 'train --positions', 'sample-tokens --model-args', 'extract-codes --count', 'fid-features --dim']));
  });

  it('prints its usage on --help and exits 0', () => {
    for (const name of commands.keys()) {
      const r = narflow([name, '--help']);
      expect({ name, status: r.status, stderr: r.stderr }).toEqual({ name, status: 0, stderr: '' });
      expect(r.stdout).toContain(`usage: narflow ${name}`);
    }
  });

  it('refuses an unknown option with exit 2, naming the nearest one', () => {
    for (const name of commands.keys()) {
      const r = narflow([name, '--bogus-option', 'x']);
      expect({ name, status: r.status }).toEqual({ name, status: 2 });
      expect(r.stderr).toContain(`narflow ${name}: unknown option --bogus-option\n${name} takes --`);
    }
    const run = narflow(['run', 'workflows/core-demo.json', '--sett', '1.seed=abc', '--packs', 'core']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('narflow run: unknown option --sett (did you mean --set?)');
    expect(run.stdout).toBe(''); // nothing ran
  });
});
