// Where the shared fixtures live: $NARFLOW_SHARED, else the shared/ folder beside the repo.
import * as fs from 'fs';
import * as path from 'path';

export function sharedDir(): string {
  return process.env.NARFLOW_SHARED ?? path.resolve(__dirname, '../../../shared');
}

export const VQ_FIXTURE_DIR = path.join(sharedDir(), 'fixtures/vq/vq-tiny-16');

export interface VqCases {
  config: Record<string, unknown>;
  input_nchw: number[][][][];
  indices: number[][][];
  decoded_from_indices_nchw: number[][][][];
}

export function readVqCases(): VqCases {
  return JSON.parse(fs.readFileSync(path.join(VQ_FIXTURE_DIR, 'cases.json'), 'utf8')) as VqCases;
}
