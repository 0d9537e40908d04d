// Writing a downloaded output into a local folder without ever replacing a file there: exclusive
// create, and on a name already taken the next free name (the `<prefix>_<counter:5>_` numbering of
// local saves, else a `-N` suffix), unless that file already holds the same bytes.
import * as fs from 'fs';
import * as path from 'path';

export interface WrittenOutput {
  /** where the bytes are now */
  file: string;
  /** 'written' where asked; 'renamed': the name was taken by other content; 'kept': it held these bytes already */
  outcome: 'written' | 'renamed' | 'kept';
}

const NUMBERED = /^(.*)_(\d+)_(\.[^.]*)?$/;

/** The names to try after `name` is taken in `dir`, in order (endless). */
function* nextNames(dir: string, name: string): Generator<string> {
  const m = NUMBERED.exec(name);
  if (m) {
    const [, stem, digits, ext = ''] = m;
    const escaped = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern = new RegExp(`^${escaped(stem)}_(\\d+)_${escaped(ext)}$`);
    let counter = 1 + Math.max(Number(digits), ...fs.readdirSync(dir).map((f) => Number(pattern.exec(f)?.[1] ?? 0)));
    for (;;) yield `${stem}_${String(counter++).padStart(digits.length, '0')}_${ext}`;
  }
  const ext = path.extname(name);
  const base = name.slice(0, name.length - ext.length);
  for (let n = 1; ; n++) yield `${base}-${n}${ext}`;
}

function tryCreate(file: string, bytes: Uint8Array): boolean {
  try {
    fs.writeFileSync(file, bytes, { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** Writes `bytes` as `target`, or beside it under a free name; never replaces an existing file. */
export function writeOutputFile(target: string, bytes: Uint8Array): WrittenOutput {
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  if (tryCreate(target, bytes)) return { file: target, outcome: 'written' };
  if (fs.statSync(target).isFile() && fs.readFileSync(target).equals(bytes)) return { file: target, outcome: 'kept' };
  for (const name of nextNames(dir, path.basename(target))) {
    const file = path.join(dir, name);
    if (tryCreate(file, bytes)) return { file, outcome: 'renamed' };
  }
  throw new Error('unreachable');
}
