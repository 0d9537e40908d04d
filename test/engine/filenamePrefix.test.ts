// ComfyUI's placeholders in save nodes' filename_prefix, filled in by the server so a workflow run
// headless or over the API names its files as ComfyUI's editor would.
import * as fs from 'fs';
import * as path from 'path';
import { expandFilenamePrefix, formatPrefixDate } from '../../server/engine/filenamePrefix';
import type { ApiWorkflow } from '../../server/engine/workflow/schema';
import { harness } from './engineHarness';

const now = new Date(2026, 0, 5, 7, 8, 9); // local time: 5 January 2026, 07:08:09

describe('filename_prefix placeholders', () => {
  it('formats %date:…% with ComfyUI\'s tokens (one letter unpadded, two padded)', () => {
    expect(formatPrefixDate('yyyy-MM-dd', now)).toBe('2026-01-05');
    expect(formatPrefixDate('yy.M.d hh-mm-ss', now)).toBe('26.1.5 07-08-09');
    expect(formatPrefixDate('h:m:s', now)).toBe('7:8:9');
    expect(expandFilenamePrefix('%date:yyyy-MM-dd%/run', { now })).toBe('2026-01-05/run');
  });

  it('fills the time parts and the picture size, and keeps what names nothing', () => {
    expect(expandFilenamePrefix('%year%%month%%day%_%hour%%minute%%second%_%width%x%height%', { now, width: 32, height: 16 })).toBe('20260105_070809_32x16');
    expect(expandFilenamePrefix('%width%', { now })).toBe('%width%'); // no size known
    expect(expandFilenamePrefix('50%_%width%', { now, width: 8 })).toBe('50%_8'); // a stray % does not swallow the next placeholder
    expect(expandFilenamePrefix('a%%b %nope% %toString% 100%', { now })).toBe('a%%b %nope% %toString% 100%');
  });

  it('takes %Name.input% from another node of the prompt, named by type first, then by title (as ComfyUI); links and missing inputs are left', () => {
    const prompt: ApiWorkflow = {
      '1': { class_type: 'NARSampler', inputs: { seed: 42, model: ['2', 0] }, _meta: { title: 'Sampler A' } },
      '3': { class_type: 'NARSampler', inputs: { seed: 7 } },
      '4': { class_type: 'TextEncode', inputs: { prompt: 'a red/blue: circle?' } },
    };
    expect(expandFilenamePrefix('%Sampler A.seed%', { now, prompt })).toBe('42');
    expect(expandFilenamePrefix('%NARSampler.seed%', { now, prompt })).toBe('42'); // the first node of that type
    expect(expandFilenamePrefix('%TextEncode.prompt%', { now, prompt })).toBe('a red_blue_ circle_'); // no folders, no refused characters
    expect(expandFilenamePrefix('%Sampler A.model%_%Missing.seed%_%Sampler A.cfg%', { now, prompt })).toBe('%Sampler A.model%_%Missing.seed%_%Sampler A.cfg%');
  });

  it('Save Image writes where the placeholders say', async () => {
    const h = harness();
    const prompt: ApiWorkflow = {
      '1': { class_type: 'ColorGradient', inputs: { width: 12, height: 8, color_a: '#000000', color_b: '#ffffff', direction: 'horizontal', noise: 0, seed: 5 }, _meta: { title: 'Gradient' } },
      '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: '%date:yyyy-MM-dd%/g_%width%x%height%_seed%Gradient.seed%' } },
    };
    const before = new Date();
    const r = await h.run(prompt);
    expect(r.status).toBe('success');
    const day = (d: Date) => formatPrefixDate('yyyy-MM-dd', d);
    const image = (r.events.find((e) => e.type === 'executed')!.data as { output: { images: { filename: string; subfolder: string }[] } }).output.images[0];
    expect([day(before), day(new Date())]).toContain(image.subfolder); // the run may straddle midnight
    expect(image.filename).toBe('g_12x8_seed5_00001_.png');
    expect(fs.existsSync(path.join(h.paths.output, image.subfolder, image.filename))).toBe(true);
  });
});
