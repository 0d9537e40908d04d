// Paths to the shared fixtures (beside the repo, or under $NARFLOW_SHARED).
import * as fs from 'fs';
import * as path from 'path';
import { PyDict } from '../../models/checkpoint/pt/pythonValues';
import { TorchTensor } from '../../models/checkpoint/pt/torchTensor';
import type { StateDict } from '../../models/checkpoint/safetensors';

export function sharedDir(): string {
  return process.env.NARFLOW_SHARED ?? path.resolve(__dirname, '../../../shared');
}

export function ptFixture(name: string): string {
  return path.join(sharedDir(), 'fixtures/pt', name);
}

export const C2I_SAFETENSORS = () => path.join(sharedDir(), 'fixtures/nar/c2i-4x4/model.safetensors');
export const C2I_CASES = () => path.join(sharedDir(), 'fixtures/nar/c2i-4x4/cases.json');

export const PT_FILES = {
  ddp: 'ddp-checkpoint.pt',
  bf16: 'state-dict-bf16.pt',
  fp16Shared: 'module-fp16-shared-storage.pt',
  legacy: 'legacy-format.pt',
  hostile: 'hostile-os-system.pt',
} as const;

export function readFixtureBytes(name: string): Uint8Array {
  const b = fs.readFileSync(ptFixture(name));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Largest |a - b| over two state dicts with the same keys and shapes (throws otherwise). */
export function maxAbsDiff(a: StateDict, b: StateDict): number {
  if ([...a.keys()].sort().join() !== [...b.keys()].sort().join()) throw new Error('state dicts have different keys');
  let m = 0;
  for (const [k, t] of a) {
    const u = b.get(k)!;
    if (t.shape.join() !== u.shape.join()) throw new Error(`${k}: shape ${t.shape} vs ${u.shape}`);
    for (let i = 0; i < t.data.length; i++) m = Math.max(m, Math.abs(t.data[i] - u.data[i]));
  }
  return m;
}

/**
 * Undoes the one AdamW step recorded in a training checkpoint's own optimizer state
 * (torch.optim.AdamW: p ← p·(1 − lr·wd) − lr/bc1 · m / (√v/√bc2 + eps)), parameter i ↔ state[i].
 */
export function undoAdamWStep(root: PyDict): StateDict {
  const model = root.get('model') as PyDict;
  const opt = root.get('optimizer') as PyDict;
  const state = opt.get('state') as PyDict;
  const group = (opt.get('param_groups') as PyDict[])[0];
  const lr = group.get('lr') as number;
  const wd = group.get('weight_decay') as number;
  const eps = group.get('eps') as number;
  const [b1, b2] = group.get('betas') as number[];
  const out: StateDict = new Map();
  let i = 0;
  for (const [name, t] of model.items) {
    const s = state.get(i++) as PyDict;
    const step = (s.get('step') as TorchTensor).toHost().data[0];
    const m = (s.get('exp_avg') as TorchTensor).toHost().data;
    const v = (s.get('exp_avg_sq') as TorchTensor).toHost().data;
    const p = (t as TorchTensor).toHost();
    const bc1 = 1 - b1 ** step;
    const bc2 = 1 - b2 ** step;
    const data = new Float32Array(p.data.length);
    for (let j = 0; j < data.length; j++) {
      const update = ((lr / bc1) * m[j]) / (Math.sqrt(v[j]) / Math.sqrt(bc2) + eps);
      data[j] = (p.data[j] + update) / (1 - lr * wd);
    }
    out.set(name as string, { shape: p.shape, data });
  }
  return out;
}
