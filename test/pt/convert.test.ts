// `narflow convert` round trips through the CLI: .pt → safetensors with the same tensors and metadata.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readStateDict } from '../../models/checkpoint/read';
import { floatToBf16, bf16ToFloat, readSafetensors } from '../../models/checkpoint/safetensors';
import { narConfigFromMetadata, narConfigFromModelArgs } from '../../models/nar/config';
import { C2I_CASES, maxAbsDiff, ptFixture, PT_FILES } from './fixtures';

const repo = path.resolve(__dirname, '../..');
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-convert-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function narflow(args: string[]) {
  const r = spawnSync('node', [path.join(repo, 'bin/narflow.js'), ...args], { cwd: repo, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('narflow convert', () => {
  it('writes the float32 tensors of the DDP checkpoint unchanged, with steps and args as metadata, and prints them', () => {
    const out = path.join(dir, 'ddp.safetensors');
    const r = narflow(['convert', ptFixture(PT_FILES.ddp), out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/state dict under 'model'; 27 tensors \(float32×27\)/);
    expect(r.stdout).toMatch(/steps: 1000/);
    expect(r.stdout).toMatch(/args: \{"gpt_model":"GPT-B"/);
    expect(r.stdout).toMatch(/optimizer: \(holds tensors; not copied\)/);
    const st = readSafetensors(out);
    expect(maxAbsDiff(st.tensors, readStateDict(ptFixture(PT_FILES.ddp)))).toBe(0);
    expect(st.metadata.steps).toBe('1000');
    expect(JSON.parse(st.metadata.args)).toMatchObject({ gpt_model: 'GPT-B', image_size: 256 });
    expect(st.metadata.optimizer).toBeUndefined();
    expect(st.metadata['narflow.layout']).toBe('nar-image');
  });

  it('stores the NAR config when the missing fields are given, so the output loads without ModelArgs', () => {
    const out = path.join(dir, 'ddp-config.safetensors');
    const r = narflow(['convert', ptFixture(PT_FILES.ddp), out, '--model-args', C2I_CASES()]);
    expect(r.code).toBe(0);
    const stored = narConfigFromMetadata(readSafetensors(out).metadata);
    const cases = JSON.parse(fs.readFileSync(C2I_CASES(), 'utf8'));
    expect(stored).toEqual(narConfigFromModelArgs(cases.config));
  });

  it('without n_head it still converts, and says the config was not stored', () => {
    const out = path.join(dir, 'legacy.safetensors');
    const r = narflow(['convert', ptFixture(PT_FILES.legacy), out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/legacy \.pt/);
    expect(r.stdout).toMatch(/NAR config not stored: n_head is a guess/);
    expect(narConfigFromMetadata(readSafetensors(out).metadata)).toBeNull();
  });

  it('--dtype f16 keeps a float16 checkpoint bit for bit; --dtype bf16 rounds float32 to bfloat16', () => {
    const f16 = path.join(dir, 'fp16.safetensors');
    expect(narflow(['convert', ptFixture(PT_FILES.fp16Shared), f16, '--dtype', 'f16']).code).toBe(0);
    const st = readSafetensors(f16);
    expect([...new Set(st.dtypes.values())]).toEqual(['F16']);
    expect(maxAbsDiff(st.tensors, readStateDict(ptFixture(PT_FILES.fp16Shared)))).toBe(0);

    const bf16 = path.join(dir, 'bf16.safetensors');
    expect(narflow(['convert', ptFixture(PT_FILES.ddp), bf16, '--dtype=bf16']).code).toBe(0);
    const f32 = readStateDict(ptFixture(PT_FILES.ddp));
    const rounded = new Map([...f32].map(([k, t]) => [k, { shape: t.shape, data: t.data.map((x) => bf16ToFloat(floatToBf16(x))) }]));
    expect(maxAbsDiff(readSafetensors(bf16).tensors, rounded)).toBe(0);
  });

  it('refuses the hostile file naming the global, writes nothing, exits 1', () => {
    const out = path.join(dir, 'hostile.safetensors');
    const r = narflow(['convert', ptFixture(PT_FILES.hostile), out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/hostile-os-system\.pt: refused: .*'posix\.system'/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('rejects a bad --dtype and a missing output path with a message', () => {
    expect(narflow(['convert', ptFixture(PT_FILES.ddp), path.join(dir, 'x.safetensors'), '--dtype', 'f64']).stderr).toMatch(/--dtype expects f32, f16 or bf16, got 'f64'/);
    const r = narflow(['convert', ptFixture(PT_FILES.ddp)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/expected <in> <out.safetensors>, got 1 paths/);
  });
});
