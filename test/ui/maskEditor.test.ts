// The mask editor in a real Chromium against the real server: Load Image shows its picture, "edit
// mask" opens the picture, a drag paints a stroke, Save uploads a copy whose painted pixels are
// transparent into input/masks/ and selects it (undoable), and the prompt's MASK is 1 exactly
// there. Cancel changes nothing. A picture dropped or pasted on the canvas goes into a Load Image.
import * as fs from 'fs';
import * as path from 'path';
import { PNG } from 'pngjs';
import { encodePng } from '../../models/image/png';
import { imageBatch } from '../../models/image/types';
import { apiToEditor } from '../../server/engine/workflow/apiToEditor';
import { describeWithChromium, dropFile, mouseDrag, openEditor, runPhase, widgetPoint, type EditorSession } from './browserHelpers';

const describeBrowser = describeWithChromium('test/ui/maskEditor.test.ts');
jest.setTimeout(120_000);

const W = 16;
const H = 12;

describeBrowser('the mask editor in Chromium', () => {
  let s: EditorSession;
  beforeAll(async () => {
    s = await openEditor();
    const input = path.join(s.dataDir, 'input');
    fs.mkdirSync(input, { recursive: true });
    const pic = imageBatch(1, H, W);
    for (let i = 0; i < W * H; i++) pic.data.set([0.8, 0.4, 0.2], i * 3);
    fs.writeFileSync(path.join(input, 'pic.png'), encodePng(pic));
    const wf = apiToEditor(
      {
        '1': { class_type: 'LoadImage', inputs: { image: 'pic.png' } },
        '2': { class_type: 'MaskToImage', inputs: { mask: ['1', 1] } },
        '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'mask' } },
      },
      s.host.objectInfo(),
    );
    await s.page.reload(); // the editor reads the file lists when it starts
    await s.page.waitForSelector('body[data-ready="true"]');
    const shown = s.page.waitForResponse((r) => r.url().includes('/api/view') && r.url().includes('type=input') && r.url().includes('pic.png'));
    await s.page.evaluate((w) => (window as any).narflow.app.loadWorkflow(w, 'mask'), wf as unknown);
    expect((await shown).status()).toBe(200); // Load Image shows the picture it will load
  });
  afterAll(async () => {
    await s?.close();
  });

  const imageValue = () => s.page.evaluate(() => (window as any).narflow.editor.graph.getNodeById(1).widgets.find((w: any) => w.name === 'image').value as string);

  /** Opens the editor from the node's button; returns the page box of the picture. */
  async function openMaskEditor() {
    const [x, y] = await widgetPoint(s.page, 1, 'edit mask');
    await s.page.mouse.click(x, y);
    await s.page.waitForSelector('#mask-editor:not([hidden]) canvas.mask-view');
    await s.page.waitForFunction(() => (window as any).narflow.maskEditor.current !== null);
    return (await s.page.locator('#mask-editor canvas.mask-view').boundingBox())!;
  }

  it('Cancel leaves the node and the input folder as they were', async () => {
    const box = await openMaskEditor();
    await mouseDrag(s.page, [box.x + 10, box.y + 10], [box.x + box.width - 10, box.y + 10]);
    await s.page.click('#mask-cancel');
    expect(await s.page.isHidden('#mask-editor')).toBe(true);
    expect(await imageValue()).toBe('pic.png');
    expect(fs.existsSync(path.join(s.dataDir, 'input', 'masks'))).toBe(false);
  });

  it('paints a stroke, saves a transparent copy into input/masks/, selects it, and the prompt reads it as MASK', async () => {
    const { page } = s;
    const box = await openMaskEditor();
    expect(await page.textContent('#mask-editor h2')).toBe(`Mask: pic.png (${W}×${H})`);
    await page.fill('#mask-brush', '1');
    // a horizontal stroke through the middle row, from the left quarter to the right quarter
    const row = box.y + box.height * ((H / 2 + 0.5) / H);
    await mouseDrag(page, [box.x + box.width * 0.25, row], [box.x + box.width * 0.75, row]);
    await page.click('#mask-save');
    await page.waitForFunction(() => (window as any).narflow.editor.graph.getNodeById(1).widgets.find((w: any) => w.name === 'image').value === 'masks/pic.png');
    const saved = PNG.sync.read(fs.readFileSync(path.join(s.dataDir, 'input', 'masks', 'pic.png')));
    expect([saved.width, saved.height]).toEqual([W, H]);
    const alpha = (x: number, y: number) => saved.data[(y * W + x) * 4 + 3];
    expect(alpha(W / 2, H / 2)).toBe(0); // on the stroke
    expect(alpha(0, 0)).toBe(255); // far from it
    expect(alpha(W - 1, H - 1)).toBe(255);
    expect(Array.from(saved.data.subarray(0, 3))).toEqual([204, 102, 51]); // the picture kept where not painted
    const painted: number[] = Array.from({ length: W * H }, (_, i) => (alpha(i % W, Math.floor(i / W)) === 0 ? 1 : 0));
    const count = painted.reduce((a, b) => a + b, 0);
    expect(count).toBeGreaterThanOrEqual(W / 2 - 1);
    expect(count).toBeLessThan((W * H) / 3);

    await page.click('#queue-button');
    await page.waitForFunction(() => ['success', 'error'].includes((window as any).narflow.runState.phase), null, { timeout: 60_000 });
    expect(await runPhase(page)).toBe('success');
    const out = fs.readdirSync(path.join(s.dataDir, 'output')).find((f) => f.startsWith('mask_'))!;
    const maskPng = PNG.sync.read(fs.readFileSync(path.join(s.dataDir, 'output', out)));
    const white = Array.from({ length: W * H }, (_, i) => (maskPng.data[i * 4] === 255 ? 1 : 0));
    expect(white).toEqual(painted); // MASK is 1 exactly where the editor painted

    // saving is an edit like any other: undo selects the picture again
    await page.focus('#graph-canvas');
    await page.keyboard.press('Control+z');
    expect(await imageValue()).toBe('pic.png');
    expect(s.pageErrors).toEqual([]);
  });

  it('opens a saved mask again with its painted pixels marked; Invert, Clear and strokes undo', async () => {
    const { page } = s;
    await page.evaluate(() => {
      const w = (window as any).narflow.editor.graph.getNodeById(1).widgets.find((x: any) => x.name === 'image');
      w.value = 'masks/pic.png';
    });
    await openMaskEditor();
    const marked = () => page.evaluate(() => Array.from((window as any).narflow.maskEditor.current.data as Uint8Array).reduce((a: number, b: number) => a + b, 0));
    const before = await marked();
    expect(before).toBeGreaterThan(0);
    await page.click('#mask-invert');
    expect(await marked()).toBe(W * H - before);
    await page.click('#mask-clear');
    expect(await marked()).toBe(0);
    // Undo (Ctrl+Z, or the button) walks back through Clear and Invert, then a stroke
    await page.keyboard.press('Control+z');
    expect(await marked()).toBe(W * H - before);
    await page.click('#mask-undo');
    expect(await marked()).toBe(before);
    const box = (await page.locator('#mask-editor canvas.mask-view').boundingBox())!;
    await mouseDrag(page, [box.x + 4, box.y + 4], [box.x + box.width - 4, box.y + box.height - 4]);
    expect(await marked()).toBeGreaterThan(before);
    await page.keyboard.press('Control+z');
    expect(await marked()).toBe(before);
    await page.keyboard.press('Escape');
    expect(await page.isHidden('#mask-editor')).toBe(true);
    expect(s.pageErrors).toEqual([]);
  });

  it('a mask edited again and cleared gives the picture back whole: the copy names its source, whose colours it takes', async () => {
    const { page } = s;
    const first = fs.readFileSync(path.join(s.dataDir, 'input', 'masks', 'pic.png'));
    expect(first.includes(Buffer.from('narflow-mask-source\0pic.png'))).toBe(true);
    await page.evaluate(() => {
      (window as any).narflow.editor.graph.getNodeById(1).widgets.find((x: any) => x.name === 'image').value = 'masks/pic.png';
    });
    await openMaskEditor();
    await page.click('#mask-clear');
    await page.click('#mask-save');
    await page.waitForFunction(() => /^masks\/pic \(\d+\)\.png$/.test((window as any).narflow.editor.graph.getNodeById(1).widgets.find((w: any) => w.name === 'image').value));
    const name = await imageValue();
    const bytes = fs.readFileSync(path.join(s.dataDir, 'input', name));
    const again = PNG.sync.read(bytes);
    const pixels = new Set<string>();
    for (let i = 0; i < W * H; i++) pixels.add(Array.from(again.data.subarray(i * 4, i * 4 + 4)).join(','));
    expect([...pixels]).toEqual(['204,102,51,255']); // before: the stroke came back opaque black
    expect(bytes.includes(Buffer.from('narflow-mask-source\0pic.png'))).toBe(true); // still the first picture
    expect(s.pageErrors).toEqual([]);
  });
  it('a picture dropped on the canvas goes into a new Load Image there, or into the Load Image it lands on; a pasted one into the selected Load Image', async () => {
    const { page } = s;
    const png = (shade: number) => {
      const img = imageBatch(1, 4, 4);
      img.data.fill(shade);
      return encodePng(img).toString('base64'); // no workflow chunk: a plain picture
    };
    const drop = (name: string, b64: string, gx: number, gy: number) => dropFile(page, name, b64, gx, gy, 'image/png');
    const loaders = () => page.evaluate(() => (window as any).narflow.editor.graph.nodes.filter((n: any) => n.type === 'LoadImage').map((n: any) => [n.id, n.widgets.find((w: any) => w.name === 'image').value]));
    const before = await loaders();
    await drop('dropped.png', png(0.2), 900, 600);
    // a new Load Image appears, then shows the uploaded file once the upload has answered
    await page.waitForFunction(
      (n) => {
        const nodes = (window as any).narflow.editor.graph.nodes.filter((x: any) => x.type === 'LoadImage');
        return nodes.length === n && nodes.some((x: any) => x.widgets.find((w: any) => w.name === 'image').value === 'dropped.png');
      },
      before.length + 1,
    );
    const added = (await loaders()).find(([id]: [number]) => !before.some(([b]: [number]) => b === id))!;
    expect(added[1]).toBe('dropped.png');
    expect(fs.existsSync(path.join(s.dataDir, 'input', 'dropped.png'))).toBe(true);
    // onto that node: its picture changes, no new node
    const pos = await page.evaluate((id) => (window as any).narflow.editor.graph.getNodeById(id).pos, added[0]);
    await drop('second.png', png(0.6), pos[0] + 20, pos[1] + 20);
    await page.waitForFunction((id) => (window as any).narflow.editor.graph.getNodeById(id).widgets.find((w: any) => w.name === 'image').value === 'second.png', added[0]);
    expect((await loaders()).length).toBe(before.length + 1);
    // pasted with Load Image 1 selected
    await page.evaluate((data) => {
      const { editor } = (window as any).narflow;
      editor.canvas.selectNodes([editor.graph.getNodeById(1)]);
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], 'pasted.png', { type: 'image/png' }));
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, png(0.9));
    await page.waitForFunction(() => (window as any).narflow.editor.graph.getNodeById(1).widgets.find((w: any) => w.name === 'image').value === 'pasted.png');
    expect((await loaders()).length).toBe(before.length + 1);
    expect(s.pageErrors).toEqual([]);
  });
});
