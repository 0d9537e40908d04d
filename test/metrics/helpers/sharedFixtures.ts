// Where the read-only shared fixtures live: $NARFLOW_SHARED, or the shared/ folder beside the repo.
import * as fs from 'fs';
import * as path from 'path';

export function sharedDir(): string {
  return process.env.NARFLOW_SHARED ?? path.resolve(__dirname, '../../../../shared');
}

export function fidFixture(name: string): string {
  return path.join(sharedDir(), 'fixtures', 'fid', name);
}

export interface FrechetCase {
  name: string;
  a: string;
  b: string;
  shape_a: [number, number];
  shape_b: [number, number];
  mu_a_first4: number[];
  cov_a_00_01: [number, number];
  fid: number;
  eps_path: boolean;
}

export interface FidCases {
  frechet: FrechetCase[];
  resize: { input: string; input_shape: [number, number, number, number]; bilinear_align_corners_false: string; output_shape: [number, number, number, number] };
}

export function fidCases(): FidCases {
  return JSON.parse(fs.readFileSync(fidFixture('cases.json'), 'utf8')) as FidCases;
}

export function readF32(file: string): Float32Array {
  const b = fs.readFileSync(file);
  const out = new Float32Array(b.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = b.readFloatLE(i * 4);
  return out;
}

/** Tolerance the acceptance criteria set: 1e-6 relative, 1e-4 absolute for the identical-set case. */
export function fidTolerance(c: FrechetCase): number {
  return c.name.startsWith('same-set') ? 1e-4 : 1e-6 * Math.abs(c.fid);
}
