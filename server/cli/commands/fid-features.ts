// narflow fid-features --a A --b B [--dim D]: the Fréchet distance between two feature sets
// (raw float32 little-endian [N, D] .f32, .npy [N, D], or .npz holding features or pytorch-fid
// statistics mu/sigma), printed as JSON {"fid": ...}.
import { type CliCommand, flag, requireFlag } from '../command';
import { loadStats } from '../../../models/metrics/io/featureFiles';
import { frechetDistance } from '../../../models/metrics/frechet/frechetDistance';

const USAGE = `usage: narflow fid-features --a A.(f32|npy|npz) --b B.(f32|npy|npz) [--dim D] [--eps 1e-6]
  --dim D: the feature width of raw .f32 files (needed for them); --eps: the ε·I fallback offset
  An .npz holding mu and sigma is used as statistics; otherwise its features / feats / arr_0 (or only) array.
  Prints {"fid": ...}.`;

export const command: CliCommand = {
  name: 'fid-features',
  summary: 'Fréchet distance of two feature files (.f32 [N,D], .npy, .npz features or mu/sigma) → {"fid": ...}',
  usage: USAGE,
  options: { values: ['a', 'b', 'dim', 'eps'] },
  async run(args) {
    const a = requireFlag(args, 'a');
    const b = requireFlag(args, 'b');
    const dimText = flag(args, 'dim');
    const dim = dimText === undefined ? undefined : Number(dimText);
    if (dim !== undefined && (!Number.isInteger(dim) || dim < 1)) throw new Error(`option --dim expects a positive integer, got '${dimText}'`);
    const epsText = flag(args, 'eps');
    const eps = epsText === undefined ? 1e-6 : Number(epsText);
    if (!(eps >= 0)) throw new Error(`option --eps expects a non-negative number, got '${epsText}'`);
    const result = frechetDistance(loadStats(a, dim), loadStats(b, dim), eps);
    if (!Number.isFinite(result.fid)) throw new Error(`the Fréchet distance of ${a} and ${b} came out ${result.fid} (features too large for float64?): no FID to print`);
    process.stdout.write(JSON.stringify({ fid: result.fid }) + '\n');
    return 0;
  },
};
