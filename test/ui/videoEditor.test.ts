// Image-to-video as a user does it, in a real Chromium with the bundled models: a GIF uploaded
// through Load Video's upload button, its first frame cut out by Video Frames and encoded, the NAR
// video sampler keeping it as the first frame of four clips, Save Video. The saved GIFs start with
// the uploaded clip's first frame (through the tokenizer) and go on differently per sample.
import * as fs from 'fs';
import * as path from 'path';
import { generateShapesVideos, videoClassParts } from '../../models/data/shapesVideo';
import { videoFrames } from '../../models/image/types';
import { decodeGif } from '../../nodes/nar/video/gifDecoder';
import { encodeApng } from '../../nodes/nar/video/apngEncoder';
import { encodeGif } from '../../nodes/nar/video/gifEncoder';
import { apiToEditor } from '../../server/engine/workflow/apiToEditor';
import { describeWithChromium, dropFile, openEditor, pickFileFrom, widgetPoint, type EditorSession } from './browserHelpers';

const describeBrowser = describeWithChromium('test/ui/videoEditor.test.ts');
jest.setTimeout(180_000);

describeBrowser('image-to-video with Load Video and the bundled video model', () => {
  let s: EditorSession;
  const clip = generateShapesVideos(1, 7, { size: 32, frames: 4 });
  const { shape, direction } = videoClassParts(clip.labels[0]);
  beforeAll(async () => {
    s = await openEditor({ packs: ['core', 'nar'] });
    fs.writeFileSync(path.join(s.dataDir, 'clip.gif'), encodeGif(clip.videos));
    const wf = apiToEditor(
      {
        '1': { class_type: 'LoadVideo', inputs: { video: '', frame_load_cap: 0, skip_first_frames: 0, select_every_nth: 1 } },
        '2': { class_type: 'VideoFrames', inputs: { video: ['1', 0], start: 0, count: 1 } },
        '3': { class_type: 'LoadTokenizer', inputs: { tokenizer_name: 'shapes-vq.safetensors' } },
        '4': { class_type: 'TokenizerEncode', inputs: { tokenizer: ['3', 0], images: ['2', 0] } },
        '5': { class_type: 'LoadNARModel', inputs: { model_name: 'shapes-video.safetensors' } },
        '6': { class_type: 'ClassLabel', inputs: { label: `${shape} moving ${direction}`, class_ids: String(clip.labels[0]) } },
        '7': {
          class_type: 'NARSampler',
          inputs: {
            model: ['5', 0], conditioning: ['6', 0], tokenizer: ['3', 0], init_tokens: ['4', 0],
            seed_position: 'auto', cfg: 1.25, cfg_interval: -1, temperature: 1, top_k: 0, top_p: 1, greedy: false, seed: 0, batch: 4, engine: 'auto', preview: 'decoded',
          },
        },
        '8': { class_type: 'TokenizerDecode', inputs: { tokenizer: ['3', 0], tokens: ['7', 0], fps: 4 } },
        '9': { class_type: 'SaveVideo', inputs: { videos: ['8', 1], filename_prefix: 'animated', format: 'gif', scale: 1 } },
      },
      s.host.objectInfo(),
    );
    await s.page.evaluate((w) => (window as any).narflow.app.loadWorkflow(w, 'image-to-video'), wf as unknown);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('uploads a GIF into Load Video, queues, and saves four clips that start from its first frame', async () => {
    const { page } = s;
    const [x, y] = await widgetPoint(page, 1, 'upload');
    await pickFileFrom(page, '#upload-input', () => page.mouse.click(x, y), path.join(s.dataDir, 'clip.gif'));
    // the picker offered animations here (Load Image's offers pictures)
    expect(await page.evaluate(() => (document.getElementById('upload-input') as HTMLInputElement).accept)).toMatch(/image\/gif/);
    await page.waitForFunction(() => (window as any).narflow.editor.graph.getNodeById(1).widgets.find((w: any) => w.name === 'video').value === 'clip.gif');
    expect(fs.existsSync(path.join(s.dataDir, 'input', 'clip.gif'))).toBe(true);
    // Load Video shows its clip, playing: the clip's yellow square is drawn in the node, at more than one place over time
    const squareAt = () =>
      page.evaluate(() => {
        const { editor } = (window as any).narflow;
        editor.canvas.draw(true, true);
        const node = editor.graph.getNodeById(1);
        const [x0, y0] = editor.canvas.convertOffsetToCanvas([node.pos[0], node.pos[1]], [0, 0]);
        const [x1, y1] = editor.canvas.convertOffsetToCanvas([node.pos[0] + node.size[0], node.pos[1] + node.size[1]], [0, 0]);
        const w = Math.round(x1 - x0);
        const data = editor.canvas.ctx.getImageData(Math.round(x0), Math.round(y0), w, Math.round(y1 - y0)).data;
        let sx = 0, n = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i] > 180 && data[i + 1] > 160 && data[i + 2] < 90) (sx += (i / 4) % w), n++;
        return n ? Math.round(sx / n) : -1;
      });
    const xs = new Set<number>();
    for (let i = 0; i < 40 && xs.size < 2; i++) {
      const x = await squareAt();
      if (x >= 0) xs.add(x);
      await page.waitForTimeout(60);
    }
    expect(xs.size).toBeGreaterThan(1);

    await page.click('#queue-button');
    await page.waitForFunction(() => ['success', 'error'].includes((window as any).narflow.runState.phase), null, { timeout: 120_000 });
    expect(await page.evaluate(() => (window as any).narflow.runState.lastMessage)).not.toMatch(/fail|invalid|error/i);
    expect(await page.evaluate(() => (window as any).narflow.runState.phase)).toBe('success');
    const text: string = await page.evaluate(() => (window as any).narflow.runState.peek('7').texts.join('\n'));
    expect(text).toContain('continuing the first frame: 64 tokens kept, 192 regenerated per image');
    const saved = fs.readdirSync(path.join(s.dataDir, 'output')).filter((f) => f.startsWith('animated_')).sort();
    expect(saved).toHaveLength(4);
    const source = videoFrames(clip.videos, 0).data.subarray(0, 32 * 32 * 3);
    const later = new Set<string>();
    for (const f of saved) {
      const v = decodeGif(fs.readFileSync(path.join(s.dataDir, 'output', f)));
      expect([v.frames, v.height, v.width]).toEqual([4, 32, 32]);
      // frame 0 is the uploaded frame through the tokenizer (32.8 dB round trip): close, not exact
      let se = 0;
      for (let i = 0; i < source.length; i++) se += (v.data[i] - source[i]) ** 2;
      expect(se / source.length).toBeLessThan(0.01);
      later.add(Array.from(v.data.subarray(source.length), (x) => Math.round(x * 255)).join(','));
    }
    expect(later.size).toBeGreaterThan(1);
    expect(s.pageErrors).toEqual([]);
  });

  it('copies a made clip into a new Load Video, and a dropped GIF or animated PNG goes into Load Video', async () => {
    const { page } = s;
    const loaders = () => page.evaluate(() => (window as any).narflow.editor.graph.nodes.filter((n: any) => n.type === 'LoadVideo').map((n: any) => [n.id, n.widgets.find((w: any) => w.name === 'video').value]));
    const before = await loaders();
    const entries: string[] = await page.evaluate(() => (window as any).narflow.editor.graph.getNodeById(9).getExtraMenuOptions().map((o: any) => o.content));
    expect(entries).toContain('Copy video to a new Load Video');
    expect(entries).not.toContain('Copy image to a new Load Image');
    await page.evaluate(() => (window as any).narflow.editor.graph.getNodeById(9).getExtraMenuOptions().find((o: any) => o.content === 'Copy video to a new Load Video').callback());
    await page.waitForFunction((n) => (window as any).narflow.editor.graph.nodes.filter((x: any) => x.type === 'LoadVideo').length === n + 1, before.length);
    await page.waitForFunction(() => (window as any).narflow.editor.graph.nodes.some((n: any) => n.type === 'LoadVideo' && /^animated_00001_.*\.gif$/.test(n.widgets.find((w: any) => w.name === 'video').value)));
    const copied = (await loaders()).find(([, v]: [number, string]) => /^animated_00001_/.test(v))!;
    expect(fs.readFileSync(path.join(s.dataDir, 'input', copied[1])).equals(fs.readFileSync(path.join(s.dataDir, 'output', 'animated_00001_.gif')))).toBe(true);

    const drop = (name: string, bytes: Buffer, gx: number, gy: number) => dropFile(page, name, bytes, gx, gy);
    const count = (await loaders()).length;
    await drop('dropped.gif', encodeGif(clip.videos), 3000, 3000);
    await page.waitForFunction((n) => (window as any).narflow.editor.graph.nodes.filter((x: any) => x.type === 'LoadVideo').length === n + 1, count);
    await page.waitForFunction(() => (window as any).narflow.editor.graph.nodes.some((n: any) => n.type === 'LoadVideo' && n.widgets.find((w: any) => w.name === 'video').value === 'dropped.gif'));
    const dropped = (await loaders()).find(([, v]: [number, string]) => v === 'dropped.gif')!;
    // an animated PNG dropped onto that node replaces its clip; no new node
    const pos = await page.evaluate((id) => (window as any).narflow.editor.graph.getNodeById(id).pos, dropped[0]);
    await drop('dropped.apng', encodeApng(clip.videos), pos[0] + 20, pos[1] + 20);
    await page.waitForFunction((id) => (window as any).narflow.editor.graph.getNodeById(id).widgets.find((w: any) => w.name === 'video').value === 'dropped.apng', dropped[0]);
    expect((await loaders()).length).toBe(count + 1);
    expect(fs.existsSync(path.join(s.dataDir, 'input', 'dropped.apng'))).toBe(true);
    expect(s.pageErrors).toEqual([]);
  });
});
