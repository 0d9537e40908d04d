// POST /api/upload/image takes a GIF or APNG for Load Video (same limits and path checks as
// pictures): the file lands in the input folder, object_info lists it at once, and a prompt loads it.
import * as fs from 'fs';
import * as path from 'path';
import { generateShapesVideos } from '../../models/data/shapesVideo';
import { pack as narPack } from '../../nodes/nar';
import { encodeApng } from '../../nodes/nar/video/apngEncoder';
import { encodeGif } from '../../nodes/nar/video/gifEncoder';
import { api, startTestServer, TestServer, waitForHistory } from './serverHarness';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ extraPacks: [narPack] });
});
afterAll(() => s.close());

const video = generateShapesVideos(1, 2, { size: 32, frames: 3 }).videos;
const upload = (name: string, bytes: Buffer, fields: Record<string, string> = {}) => {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(bytes)]), name);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return fetch(`${s.url}/api/upload/image`, { method: 'POST', body: form });
};
const listed = async () => (await api(s.url, '/api/object_info/LoadVideo')).body.LoadVideo.input.required.video[0] as string[];

describe('uploading a video', () => {
  it('accepts a .gif into the input folder; Load Video lists it and a prompt loads its frames', async () => {
    expect(await listed()).toEqual([]);
    const r = await upload('clip.gif', encodeGif(video, 0), { subfolder: 'videos' });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ name: 'clip.gif', subfolder: 'videos', type: 'input' });
    expect(fs.readFileSync(path.join(s.host.config.paths.input, 'videos', 'clip.gif'))).toEqual(encodeGif(video, 0));
    expect(await listed()).toEqual(['videos/clip.gif']);
    const prompt = {
      '1': { class_type: 'LoadVideo', inputs: { video: 'videos/clip.gif', frame_load_cap: 0, skip_first_frames: 1, select_every_nth: 1 } },
      '2': { class_type: 'PreviewImage', inputs: { images: ['1', 1] } },
    };
    const queued = await api(s.url, '/api/prompt', { body: { prompt } });
    expect(queued.status).toBe(200);
    const entry = await waitForHistory(s.url, queued.body.prompt_id);
    expect(entry.status.status_str).toBe('success');
    expect(entry.outputs['1'].text).toEqual(['videos/clip.gif: 2 frame(s) of 32×32 at 4 fps']);
    expect(entry.outputs['2'].images).toHaveLength(2);
  });

  it('accepts an .apng (PNG bytes), and keeps the existing checks: magic bytes, extension, paths', async () => {
    expect((await upload('clip.apng', encodeApng(video, 0))).status).toBe(200);
    expect(await listed()).toContain('clip.apng');
    const notGif = await upload('fake.gif', Buffer.from('GIF90a not really'));
    expect(notGif.status).toBe(415);
    expect((await notGif.json()).error.message).toMatch(/"fake\.gif" is not a PNG, JPEG, WebP or GIF image/);
    const ext = await upload('clip.mp4', encodeGif(video, 0));
    expect(ext.status).toBe(400);
    expect((await ext.json()).error.message).toMatch(/must end in .*\.gif, \.apng/);
    expect((await upload('clip.gif', encodeGif(video, 0), { subfolder: '../..' })).status).toBe(400);
    expect(fs.existsSync(path.join(s.dataDir, '..', 'clip.gif'))).toBe(false);
  });
});
