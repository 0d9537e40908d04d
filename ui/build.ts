// Builds the browser editor: bundles ui/src/main.ts with esbuild and copies the static files
// (index.html, style.css, litegraph's CSS) into one folder the server serves at `/`.
// A rebuild is skipped when no input of the last bundle (esbuild's metafile) is newer than it.
import { build } from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';

const UI_ROOT = __dirname;
const REPO_ROOT = path.resolve(UI_ROOT, '..');
const DEFAULT_OUT_DIR = path.join(UI_ROOT, 'dist');
const STATIC_FILES = ['index.html', 'style.css'];
const LITEGRAPH_CSS = path.join(REPO_ROOT, 'node_modules/@comfyorg/litegraph/dist/css/litegraph.css');
/** Written next to the bundle: the files the bundle was made from, for the staleness check. */
const INPUTS_MANIFEST = 'build-inputs.json';

function staticSources(): { from: string; name: string }[] {
  return [
    ...STATIC_FILES.map((name) => ({ from: path.join(UI_ROOT, 'src', name), name })),
    { from: LITEGRAPH_CSS, name: 'litegraph.css' },
  ];
}

function mtimeMs(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY; // a missing input forces a rebuild
  }
}

/** True when every output exists and is newer than every input recorded at the last build. */
function isUpToDate(outDir: string): boolean {
  const manifestPath = path.join(outDir, INPUTS_MANIFEST);
  const outputs = ['main.js', ...STATIC_FILES, 'litegraph.css', INPUTS_MANIFEST].map((f) => path.join(outDir, f));
  if (!outputs.every((f) => fs.existsSync(f))) return false;
  let inputs: string[];
  try {
    inputs = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as string[];
  } catch {
    return false;
  }
  const oldestOutput = Math.min(...outputs.map(mtimeMs));
  const sources = [...inputs.map((f) => path.resolve(REPO_ROOT, f)), __filename, ...staticSources().map((s) => s.from)];
  return sources.every((f) => mtimeMs(f) < oldestOutput);
}

/** Writes through a temporary name and renames, so a server reading the folder never sees half a file. */
function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/**
 * Builds the editor into `outDir` (default ui/dist) unless it is already up to date; returns the folder.
 * Safe to call from several processes at once (each file is replaced atomically).
 */
export async function buildUi(outDir: string = DEFAULT_OUT_DIR): Promise<string> {
  const dir = path.resolve(outDir);
  if (isUpToDate(dir)) return dir;
  fs.mkdirSync(dir, { recursive: true });
  const result = await build({
    entryPoints: [path.join(UI_ROOT, 'src', 'main.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: ['chrome110', 'firefox115', 'safari16'],
    outfile: path.join(dir, 'main.js'),
    sourcemap: 'linked',
    minify: true,
    write: false,
    metafile: true,
    absWorkingDir: REPO_ROOT,
    logLevel: 'silent',
    // socket.io-client's optional Node-only transports are never reached in a browser.
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  if (!result.outputFiles.length) throw new Error('esbuild produced no output for ui/src/main.ts');
  for (const file of result.outputFiles) writeAtomic(file.path, file.contents); // main.js, main.js.map
  for (const { from, name } of staticSources()) {
    if (!fs.existsSync(from)) throw new Error(`UI build: expected static file ${from}, which does not exist`);
    writeAtomic(path.join(dir, name), fs.readFileSync(from));
  }
  writeAtomic(path.join(dir, INPUTS_MANIFEST), JSON.stringify(Object.keys(result.metafile.inputs), null, 1));
  return dir;
}

if (require.main === module) {
  buildUi(process.argv[2])
    .then((dir) => console.log(`editor built in ${dir}`))
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
