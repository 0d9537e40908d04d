// Inpainting as a user does it, in a real Chromium with the bundled models: a picture in Load
// Image, its top painted in the mask editor, Load Image's MASK into the NAR sampler with the
// picture's tokens, Queue. The sampler keeps every token the paint did not touch and redraws the
// rest, differently per sample; the composite keeps the original pixels outside the paint.
import * as fs from 'fs';
import * as path from 'path';
import { generateShapesImages } from '../../models/data/shapes';
import { decodePng, encodePng } from '../../models/image/png';
import { apiToEditor } from '../../server/engine/workflow/apiToEditor';
import { describeWithChromium, mouseDrag, openEditor, widgetPoint, type EditorSession } from './browserHelpers';

const describeBrowser = describeWithChromium('test/ui/inpaintEditor.test.ts');
jest.setTimeout(180_000);

describeBrowser('inpainting with the mask editor and the bundled models', () => {
  let s: EditorSession;
  const original = generateShapesImages(1, 40, { size: 32, objects: 1 }).images; // a green circle at the top
  beforeAll(async () => {
    s = await openEditor({ packs: ['core', 'nar'] });
    fs.mkdirSync(path.join(s.dataDir, 'input'), { recursive: true });
    fs.writeFileSync(path.join(s.dataDir, 'input', 'circle.png'), encodePng(original));
    const wf = apiToEditor(
      {
        '1': { class_type: 'LoadImage', inputs: { image: 'circle.png' } },
        '2': { class_type: 'LoadTokenizer', inputs: { tokenizer_name: 'shapes-vq.safetensors' } },
        '3': { class_type: 'LoadNARModel', inputs: { model_name: 'shapes-c2i-center.safetensors' } },
        '4': { class_type: 'ClassLabel', inputs: { label: 'green circle', class_ids: '0' } },
        '5': { class_type: 'TokenizerEncode', inputs: { tokenizer: ['2', 0], images: ['1', 0] } },
        '6': {
          class_type: 'NARSampler',
          inputs: {
            model: ['3', 0], conditioning: ['4', 0], tokenizer: ['2', 0], init_tokens: ['5', 0], mask: ['1', 1],
            seed_position: 'auto', cfg: 2, cfg_interval: -1, temperature: 1, top_k: 0, top_p: 1, greedy: false, seed: 0, batch: 4, engine: 'auto', preview: 'decoded',
          },
        },
        '7': { class_type: 'TokenizerDecode', inputs: { tokenizer: ['2', 0], tokens: ['6', 0], fps: 8 } },
        '8': { class_type: 'ImageCompositeMasked', inputs: { destination: ['1', 0], source: ['7', 0], mask: ['1', 1] } },
        '9': { class_type: 'ImageGrid', inputs: { images: ['8', 0], columns: 4, gap: 2, scale: 4, background: '#101010' } },
        '10': { class_type: 'SaveImage', inputs: { images: ['9', 0], filename_prefix: 'inpainted' } },
      },
      s.host.objectInfo(),
    );
    await s.page.reload(); // the file lists are read when the editor starts
    await s.page.waitForSelector('body[data-ready="true"]');
    await s.page.evaluate((w) => (window as any).narflow.app.loadWorkflow(w, 'inpaint-mine'), wf as unknown);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('paints the top of the picture, queues, and gets four pictures that keep the rest', async () => {
    const { page } = s;
    const [bx, by] = await widgetPoint(page, 1, 'edit mask');
    await page.mouse.click(bx, by);
    await page.waitForFunction(() => (window as any).narflow.maskEditor.current !== null);
    const box = (await page.locator('#mask-editor canvas.mask-view').boundingBox())!;
    await page.fill('#mask-brush', '3');
    const row = (y: number) => box.y + (box.height * y) / 32;
    await mouseDrag(page, [box.x + 1, row(3)], [box.x + box.width - 1, row(3)]);
    const painted: number[] = await page.evaluate(() => Array.from((window as any).narflow.maskEditor.current.data as Uint8Array));
    if (process.env.NARFLOW_EDITOR_SCREENSHOT_MASK) await page.screenshot({ path: process.env.NARFLOW_EDITOR_SCREENSHOT_MASK });
    await page.click('#mask-save');
    await page.waitForFunction(() => (window as any).narflow.editor.graph.getNodeById(1).widgets.find((w: any) => w.name === 'image').value === 'masks/circle.png');
    // the tokens (4×4 pixels each) the paint touched
    const touched = new Set<number>();
    painted.forEach((v, i) => v && touched.add(Math.floor(Math.floor(i / 32) / 4) * 8 + Math.floor((i % 32) / 4)));
    expect(touched.size).toBeGreaterThanOrEqual(8);
    expect(touched.size).toBeLessThan(32);

    await page.click('#queue-button');
    await page.waitForFunction(() => ['success', 'error'].includes((window as any).narflow.runState.phase), null, { timeout: 120_000 });
    expect(await page.evaluate(() => (window as any).narflow.runState.phase)).toBe('success');
    const text: string = await page.evaluate(() => (window as any).narflow.runState.peek('6').texts.join('\n'));
    expect(text).toContain(`inpainting: ${64 - touched.size} tokens kept, ${touched.size} regenerated per image`);
    const out = fs.readdirSync(path.join(s.dataDir, 'output')).find((f) => f.startsWith('inpainted_'))!;
    const grid = decodePng(fs.readFileSync(path.join(s.dataDir, 'output', out)));
    const pixel = (tile: number, y: number, x: number, c: number) => grid.data[((2 + y * 4) * grid.width + 2 + tile * 130 + x * 4) * 3 + c];
    const redrawn: string[] = [];
    for (let t = 0; t < 4; t++) {
      const inside: number[] = [];
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          for (let c = 0; c < 3; c++) {
            if (painted[y * 32 + x]) inside.push(Math.round(pixel(t, y, x, c) * 255));
            else expect(Math.abs(pixel(t, y, x, c) - original.data[(y * 32 + x) * 3 + c])).toBeLessThanOrEqual(1 / 255 + 1e-6);
          }
        }
      }
      redrawn.push(inside.join(','));
    }
    expect(new Set(redrawn).size).toBeGreaterThan(1); // four samples, not one picture four times
    expect(s.pageErrors).toEqual([]);
  });
});
