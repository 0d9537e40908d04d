// The palette's model library in a real Chromium against the real server: each weights/ folder a
// loader lists, its files added as that loader with the file chosen (double-click or drag), a
// file put into a models folder shown after R, and the search finding files.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describeWithChromium, graphSummary, openEditor, type EditorSession } from './browserHelpers';

const describeBrowser = describeWithChromium('test/ui/modelLibrary.test.ts');
jest.setTimeout(120_000);

describeBrowser('the model library in Chromium', () => {
  let s: EditorSession;
  let extra: string;
  beforeAll(async () => {
    extra = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-models-'));
    fs.mkdirSync(path.join(extra, 'nar'), { recursive: true });
    s = await openEditor({ packs: ['core', 'nar'], modelRoots: [extra] });
    await s.page.evaluate(() => (window as any).narflow.app.newWorkflow());
  });
  afterAll(async () => {
    await s?.close();
    fs.rmSync(extra, { recursive: true, force: true });
  });

  const folderFiles = (folder: string) =>
    s.page.evaluate((f) => Array.from(document.querySelectorAll(`.model-folder[data-folder="${f}"] .model-item`)).map((e) => e.textContent), folder);

  it('lists the model folders; a double-clicked file becomes its loader with the file chosen', async () => {
    const { page } = s;
    const folders = await page.evaluate(() => Array.from(document.querySelectorAll('.model-folder summary')).map((e) => e.textContent));
    expect(folders.map((f) => f!.replace(/ \(\d+\)$/, ''))).toEqual(['models: weights/nar/', 'models: weights/text_encoder/', 'models: weights/tokenizer/']);
    expect(await folderFiles('weights/nar/')).toContain('shapes-t2i.safetensors');
    await page.dblclick('.model-item[data-loader="LoadNARModel"][data-file="shapes-t2i.safetensors"]');
    const nodes = await page.evaluate(() => (window as any).narflow.editor.graph.nodes.map((n: any) => [n.type, n.widgets.find((w: any) => w.name === 'model_name')?.value]));
    expect(nodes).toEqual([['LoadNARModel', 'shapes-t2i.safetensors']]);
  });

  it('dragged onto the canvas, a file becomes its loader there', async () => {
    const { page } = s;
    const before = (await graphSummary(page)).nodes.length;
    await page.dragAndDrop('.model-item[data-loader="LoadTokenizer"][data-file="shapes-vq.safetensors"]', '#graph-canvas', { targetPosition: { x: 500, y: 400 } });
    const nodes = await page.evaluate(() => (window as any).narflow.editor.graph.nodes.map((n: any) => [n.type, n.widgets.find((w: any) => w.name === 'tokenizer_name')?.value ?? null]));
    expect(nodes.length).toBe(before + 1);
    expect(nodes[nodes.length - 1]).toEqual(['LoadTokenizer', 'shapes-vq.safetensors']);
  });

  it('shows a file put into a models folder after R, and the search finds files', async () => {
    const { page } = s;
    expect(await folderFiles('weights/nar/')).not.toContain('c2i_B.pt');
    fs.writeFileSync(path.join(extra, 'nar', 'c2i_B.pt'), '');
    await page.focus('#graph-canvas');
    await page.keyboard.press('r');
    await page.waitForFunction(() => !!document.querySelector('.model-item[data-file="c2i_B.pt"]'));
    await page.fill('.palette-search', 'c2i_B');
    expect(await page.evaluate(() => Array.from(document.querySelectorAll('.model-item')).map((e) => e.textContent))).toEqual(['c2i_B.pt']);
    await page.fill('.palette-search', 'no such thing');
    expect(await page.textContent('.palette-empty')).toBe('No node or model matches “no such thing”');
    await page.fill('.palette-search', '');
    expect(s.pageErrors).toEqual([]);
  });
});
