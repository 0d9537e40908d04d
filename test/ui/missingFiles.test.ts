// A workflow opened with files the server lacks, in a real Chromium against the real server: the
// missing-files panel names each file with its folder, node and (from the workflow's ComfyUI
// `models` list) a download link; Check again re-reads the lists and closes it once they are there.
import * as fs from 'fs';
import * as path from 'path';
import { encodePng } from '../../models/image/png';
import { imageBatch } from '../../models/image/types';
import { apiToEditor } from '../../server/engine/workflow/apiToEditor';
import { describeWithChromium, openEditor, type EditorSession } from './browserHelpers';

const describeBrowser = describeWithChromium('test/ui/missingFiles.test.ts');
jest.setTimeout(120_000);

describeBrowser('the missing-files panel in Chromium', () => {
  let s: EditorSession;
  beforeAll(async () => {
    s = await openEditor();
    fs.mkdirSync(path.join(s.dataDir, 'input'), { recursive: true });
    fs.writeFileSync(path.join(s.dataDir, 'input', 'here.png'), encodePng(imageBatch(1, 2, 2)));
  });
  afterAll(async () => {
    await s?.close();
  });

  const panel = () =>
    s.page.evaluate(() => {
      const root = document.getElementById('missing-files')!;
      return {
        open: !root.hidden,
        heading: root.querySelector('h2')?.textContent,
        rows: Array.from(root.querySelectorAll('li')).map((li) => ({
          file: li.querySelector('code')?.textContent,
          node: li.querySelector('.missing-node')?.textContent,
          link: li.querySelector('a') ? { text: li.querySelector('a')!.textContent, href: li.querySelector('a')!.getAttribute('href'), target: li.querySelector('a')!.target, rel: li.querySelector('a')!.rel } : null,
        })),
      };
    });

  /** The error each node shows (null: none). */
  const nodeErrors = (ids: string[]) => s.page.evaluate((ids) => ids.map((id) => (window as any).narflow.runState.summary(id)?.error ?? null), ids);

  it('lists what a shared workflow lacks, with links it gives; Check again closes it once the files are there', async () => {
    const { page } = s;
    const info = s.host.objectInfo();
    const wf = {
      ...apiToEditor(
        {
          '1': { class_type: 'LoadImage', inputs: { image: 'holiday.png' } },
          '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
          '3': { class_type: 'LoadImage', inputs: { image: 'here.png' } },
          '4': { class_type: 'PreviewImage', inputs: { images: ['3', 0] } },
          '5': { class_type: 'LoadImage', inputs: { image: 'sketch.png' }, _meta: { title: 'Their sketch' } },
          '6': { class_type: 'PreviewImage', inputs: { images: ['5', 0] } },
        },
        info,
      ),
      models: [
        { name: 'holiday.png', url: 'https://example.org/pictures/holiday.png', directory: 'input' },
        { name: 'sketch.png', url: 'javascript:alert(1)' },
      ],
    };
    await page.evaluate((w) => (window as any).narflow.app.loadWorkflow(w, 'shared'), wf as unknown);
    await page.waitForSelector('#missing-files:not([hidden])');
    expect(await panel()).toEqual({
      open: true,
      heading: 'This workflow needs 2 files the server does not have',
      rows: [
        { file: 'input/holiday.png', node: '#1 Load Image · image', link: { text: 'download', href: 'https://example.org/pictures/holiday.png', target: '_blank', rel: 'noopener noreferrer' } },
        { file: 'input/sketch.png', node: '#5 Their sketch · image', link: null },
      ],
    });
    // the nodes show it too, as a refused Queue would: the error names the file and its folder
    expect(await nodeErrors(['1', '3', '5'])).toEqual(['missing file: input/holiday.png', null, 'missing file: input/sketch.png']);
    expect(await page.evaluate(() => (window as any).narflow.runState.summary('1').errorInputs)).toEqual(['image']);
    // the graph keeps the names, and the canvas stays usable: the panel is not over its middle
    expect(await page.evaluate(() => (window as any).narflow.editor.graph.getNodeById(1).widgets[0].value)).toBe('holiday.png');
    expect(
      await page.evaluate(() => {
        const r = document.getElementById('graph-canvas')!.getBoundingClientRect();
        return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)?.id;
      }),
    ).toBe('graph-canvas');

    // one file arrives: Check again re-reads the lists, and the panel lists the other
    fs.writeFileSync(path.join(s.dataDir, 'input', 'holiday.png'), encodePng(imageBatch(1, 2, 2)));
    await page.click('#missing-files-recheck');
    await page.waitForFunction(() => document.querySelectorAll('#missing-files li').length === 1);
    expect((await panel()).heading).toBe('This workflow needs a file the server does not have');
    expect(await nodeErrors(['1', '5'])).toEqual([null, 'missing file: input/sketch.png']);
    expect(await page.evaluate(() => (window as any).narflow.editor.graph.getNodeById(1).widgets[0].options.values)).toContain('holiday.png');

    // the other arrives: R (as Check again does) closes the panel and says so
    fs.writeFileSync(path.join(s.dataDir, 'input', 'sketch.png'), encodePng(imageBatch(1, 2, 2)));
    await page.focus('#graph-canvas');
    await page.keyboard.press('r');
    await page.waitForSelector('#missing-files', { state: 'hidden' });
    await page.waitForFunction(() => /Every file the workflow needs is on the server now/.test(document.getElementById('toast')?.textContent ?? ''));
    expect(await nodeErrors(['1', '5'])).toEqual([null, null]);
    expect(s.pageErrors).toEqual([]);
  });

  it('Close hides it; opening a workflow whose files are all there leaves it closed, and one that lacks some opens it again', async () => {
    const { page } = s;
    const info = s.host.objectInfo();
    const lacking = apiToEditor({ '1': { class_type: 'LoadImage', inputs: { image: 'elsewhere.png' } }, '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } } }, info);
    await page.evaluate((w) => (window as any).narflow.app.loadWorkflow(w, 'lacking'), lacking as unknown);
    await page.waitForSelector('#missing-files:not([hidden])');
    await page.click('#missing-files-close');
    expect((await panel()).open).toBe(false);
    const complete = apiToEditor({ '1': { class_type: 'LoadImage', inputs: { image: 'here.png' } }, '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } } }, info);
    const found = await page.evaluate(async (w) => {
      const { app } = (window as any).narflow;
      app.loadWorkflow(w, 'complete');
      return app.checkMissingFiles();
    }, complete as unknown);
    expect(found).toEqual([]);
    expect((await panel()).open).toBe(false);
    const again = await page.evaluate(async (w) => {
      const { app } = (window as any).narflow;
      app.loadWorkflow(w, 'lacking');
      return (await app.checkMissingFiles()).map((f: { value: string }) => f.value);
    }, lacking as unknown);
    expect(again).toEqual(['elsewhere.png']);
    expect((await panel()).open).toBe(true);
    expect(s.pageErrors).toEqual([]);
  });
});
