// R (or ↻) re-reads the server's file lists into the widgets on the canvas, in a real Chromium
// against the real server: an image put into the input folder becomes choosable without a reload.
import * as fs from 'fs';
import * as path from 'path';
import { encodePng } from '../../models/image/png';
import { imageBatch } from '../../models/image/types';
import { apiToEditor } from '../../server/engine/workflow/apiToEditor';
import { describeWithChromium, openEditor, type EditorSession } from './browserHelpers';

const describeBrowser = describeWithChromium('test/ui/refreshLists.test.ts');
jest.setTimeout(120_000);

describeBrowser('refreshing the file lists in Chromium', () => {
  let s: EditorSession;
  beforeAll(async () => {
    s = await openEditor();
    fs.mkdirSync(path.join(s.dataDir, 'input'), { recursive: true });
    fs.writeFileSync(path.join(s.dataDir, 'input', 'first.png'), encodePng(imageBatch(1, 2, 2)));
    const wf = apiToEditor({ '1': { class_type: 'LoadImage', inputs: { image: 'first.png' } }, '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } } }, s.host.objectInfo());
    await s.page.reload(); // the editor reads the lists when it starts
    await s.page.waitForSelector('body[data-ready="true"]');
    await s.page.evaluate((w) => (window as any).narflow.app.loadWorkflow(w, 'lists'), wf as unknown);
  });
  afterAll(async () => {
    await s?.close();
  });

  const options = () => s.page.evaluate(() => (window as any).narflow.editor.graph.getNodeById(1).widgets.find((w: any) => w.name === 'image').options.values as string[]);

  it('adds a file put into the input folder to the list when R is pressed, keeping the value chosen', async () => {
    const { page } = s;
    expect(await options()).toEqual(['first.png']);
    fs.writeFileSync(path.join(s.dataDir, 'input', 'second.png'), encodePng(imageBatch(1, 2, 2)));
    await page.focus('#graph-canvas');
    await page.keyboard.press('r');
    await page.waitForFunction(() => /Refreshed 1 file list/.test(document.getElementById('toast')?.textContent ?? ''));
    expect(await options()).toEqual(['first.png', 'second.png']);
    expect(await page.evaluate(() => (window as any).narflow.editor.graph.getNodeById(1).widgets[0].value)).toBe('first.png');
    await page.click('#refresh-button');
    await page.waitForFunction(() => /up to date/.test(document.getElementById('toast')?.textContent ?? ''));
    // typed into a field, R is a letter
    await page.fill('#workflow-name', '');
    await page.focus('#workflow-name');
    await page.keyboard.type('rr');
    expect(await page.inputValue('#workflow-name')).toBe('rr');
    expect(s.pageErrors).toEqual([]);
  });
});
