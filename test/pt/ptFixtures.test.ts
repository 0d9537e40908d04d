// The published-style .pt fixtures load to the c2i-4x4 tensors; nothing in them is executed.
import * as fs from 'fs';
import { readCheckpoint, readStateDict } from '../../models/checkpoint/read';
import { parsePtObject } from '../../models/checkpoint/pt/checkpoint';
import { PyDict } from '../../models/checkpoint/pt/pythonValues';
import { bf16ToFloat, floatToBf16, floatToHalf, halfToFloat, readSafetensors, type StateDict } from '../../models/checkpoint/safetensors';
import { C2I_SAFETENSORS, maxAbsDiff, ptFixture, PT_FILES, readFixtureBytes, undoAdamWStep } from './fixtures';

const reference = () => readSafetensors(C2I_SAFETENSORS()).tensors;

function rounded(sd: StateDict, round: (x: number) => number): StateDict {
  return new Map([...sd].map(([k, t]) => [k, { shape: t.shape, data: t.data.map(round) }]));
}

describe('published-style .pt checkpoints', () => {
  it('the DDP-style training checkpoint yields its model state dict plus steps and args as metadata', () => {
    const ck = readCheckpoint(ptFixture(PT_FILES.ddp));
    expect(ck.format).toBe('pt');
    expect(ck.details?.container).toBe('model');
    expect(ck.details?.dtypes).toEqual({ float32: 27 });
    const ref = reference();
    expect([...ck.tensors.keys()].sort()).toEqual([...ref.keys()].sort());
    for (const [k, t] of ref) expect(ck.tensors.get(k)!.shape).toEqual(t.shape);
    expect(ck.metadata.steps).toBe(1000);
    expect(ck.metadata.args).toMatchObject({ gpt_model: 'GPT-B', gpt_type: 'c2i', image_size: 256, downsample_size: 16, cls_token_num: 1 });
    expect(Object.keys(ck.metadata).sort()).toEqual(['args', 'optimizer', 'steps']);
  });

  // The fixture's .pt weights are the safetensors weights after the one AdamW step its optimizer
  // state records (step = 1, lr 1e-4): every value differs by about 1e-4. Undoing that recorded
  // step must give the safetensors values to float32 rounding.
  it('float32: the .pt model is model.safetensors plus exactly the AdamW step in its optimizer state', () => {
    const root = parsePtObject(readFixtureBytes(PT_FILES.ddp), PT_FILES.ddp) as PyDict;
    const ref = reference();
    expect(maxAbsDiff(undoAdamWStep(root), ref)).toBeLessThan(2e-7);
    const stepped = readStateDict(ptFixture(PT_FILES.ddp));
    expect(maxAbsDiff(stepped, ref)).toBeLessThan(1.2e-4);
  });

  it('the legacy (pre-zip) file loads to exactly the tensors of the zip file', () => {
    const legacy = readCheckpoint(ptFixture(PT_FILES.legacy));
    expect(legacy.details?.layout).toBe('legacy');
    expect(maxAbsDiff(legacy.tensors, readStateDict(ptFixture(PT_FILES.ddp)))).toBe(0);
  });

  it('the bfloat16 state dict is the float32 values rounded to bfloat16, bit for bit', () => {
    const ck = readCheckpoint(ptFixture(PT_FILES.bf16));
    expect(ck.details).toMatchObject({ container: null, dtypes: { bfloat16: 27 } });
    const f32 = readStateDict(ptFixture(PT_FILES.ddp));
    expect(maxAbsDiff(ck.tensors, rounded(f32, (x) => bf16ToFloat(floatToBf16(x))))).toBe(0);
    expect(maxAbsDiff(ck.tensors, reference())).toBeLessThan(2 ** -8 * 1.3 + 1.2e-4); // bf16 half-ulp at |x| < 1.3, plus the step
  });

  it('the float16 {module: ...} file with a shared storage is the float32 values rounded to float16', () => {
    const ck = readCheckpoint(ptFixture(PT_FILES.fp16Shared));
    expect(ck.details).toMatchObject({ container: 'module', dtypes: { float16: 27 } });
    const f32 = readStateDict(ptFixture(PT_FILES.ddp));
    expect(maxAbsDiff(ck.tensors, rounded(f32, (x) => halfToFloat(floatToHalf(x))))).toBe(0);
    expect(maxAbsDiff(ck.tensors, reference())).toBeLessThan(2 ** -11 * 1.3 + 1.2e-4);
  });

  it('views sharing one storage read their own offset: tok_embeddings and norm come from one storage', () => {
    const root = parsePtObject(readFixtureBytes(PT_FILES.fp16Shared), PT_FILES.fp16Shared) as PyDict;
    const sd = root.get('module') as PyDict;
    const tok = sd.get('tok_embeddings.weight') as import('../../models/checkpoint/pt/torchTensor').TorchTensor;
    const norm = sd.get('norm.weight') as typeof tok;
    expect(tok.storage).toBe(norm.storage);
    expect(norm.offset).toBe(tok.numel);
    const ck = readStateDict(ptFixture(PT_FILES.fp16Shared));
    expect(ck.get('norm.weight')!.data).toEqual(norm.toHost().data);
    expect(ck.get('norm.weight')!.data).not.toEqual(ck.get('tok_embeddings.weight')!.data.subarray(0, 64));
  });

  it('the hostile file is refused naming posix.system, and its payload never runs', () => {
    const file = ptFixture(PT_FILES.hostile);
    // The marker the payload would write, read from the pickle's own bytes (never by running it).
    const marker = /echo PWNED > (\/[\w./-]+)/.exec(Buffer.from(fs.readFileSync(file)).toString('latin1'))?.[1];
    expect(marker).toBeDefined();
    fs.rmSync(marker!, { force: true });
    const cp = jest.requireActual('child_process') as typeof import('child_process');
    const spies = (['exec', 'execSync', 'spawn', 'spawnSync', 'execFile', 'execFileSync', 'fork'] as const).map((f) => jest.spyOn(cp, f));
    try {
      expect(() => readCheckpoint(file)).toThrow(/hostile-os-system\.pt: refused: .*'posix\.system'/);
      expect(() => parsePtObject(readFixtureBytes(PT_FILES.hostile), 'hostile')).toThrow(/'posix\.system'/);
      for (const s of spies) expect(s).not.toHaveBeenCalled();
    } finally {
      for (const s of spies) s.mockRestore();
    }
    expect(fs.existsSync(marker!)).toBe(false);
  });

  it('a missing file is an error naming it', () => {
    expect(() => readCheckpoint('/nonexistent/dir/weights.pt')).toThrow('cannot read checkpoint /nonexistent/dir/weights.pt: file not found');
  });
});
