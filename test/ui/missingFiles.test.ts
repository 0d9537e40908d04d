// A workflow opened with files the server lacks, in a real Chromium against the real server: the
// missing-files panel names each file with its folder, node and (from the workflow's ComfyUI
// `models` list) a download link; Check again re-reads the lists and closes it once they are there.
import * as fs from 'fs';
import * as path from 'path';
import { encodePng } from '../../models/image/png';
import { imageBatch } from '../../models/image/types';
import { apiToEditor } from '../../server/engine/workflow/apiToEditor';
import { SUBGRAPH_INPUT_ID as IN, SUBGRAPH_OUTPUT_ID as OUT } from '../../server/engine/workflow/subgraphs';
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
    // the models list travels on with the workflow (Save, Save to server, the queued PNG)
    expect(await page.evaluate(() => (window as any).narflow.editor.serialize().models)).toEqual(wf.models);
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

    // a row's node shows it: selected and in view
    await page.click('#missing-files li:nth-child(2) .missing-node');
    expect(await page.evaluate(() => (window as any).narflow.editor.selectedNodes().map((n: any) => n.id))).toEqual([5]);
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
    // Queue, refused for the file, brings it back
    await page.click('#queue-button');
    await page.waitForSelector('#missing-files:not([hidden])');
    expect((await panel()).rows.map((r) => r.file)).toEqual(['input/elsewhere.png']);
    await page.click('#missing-files-close');
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

  it('a row of a node inside a subgraph opens the subgraph and shows the node there', async () => {
    const { page } = s;
    const SG = '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
    const wf = {
      last_node_id: 7, last_link_id: 1, version: 0.4,
      nodes: [
        { id: 7, type: SG, pos: [0, 0], size: [200, 80], mode: 0, outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [1] }] },
        { id: 2, type: 'PreviewImage', pos: [300, 0], size: [240, 80], mode: 0, inputs: [{ name: 'images', type: 'IMAGE', link: 1 }] },
      ],
      links: [[1, 7, 0, 2, 0, 'IMAGE']],
      definitions: {
        subgraphs: [{
          id: SG, name: 'Their picture', version: 1, state: { lastNodeId: 4, lastLinkId: 1, lastGroupId: 0, lastRerouteId: 0 }, revision: 0, config: {},
          inputNode: { id: IN, bounding: [-200, 0, 75, 100] }, outputNode: { id: OUT, bounding: [600, 0, 75, 100] },
          inputs: [], outputs: [{ id: 'o', name: 'IMAGE', type: 'IMAGE', linkIds: [1] }], widgets: [],
          nodes: [{ id: 4, type: 'LoadImage', pos: [100, 0], size: [240, 120], mode: 0, outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [1] }, { name: 'MASK', type: 'MASK', links: null }], widgets_values: ['inside.png', 'image'] }],
          links: [{ id: 1, origin_id: 4, origin_slot: 0, target_id: OUT, target_slot: 0, type: 'IMAGE' }],
        }],
      },
    };
    await page.evaluate((w) => (window as any).narflow.app.loadWorkflow(w, 'nested'), wf as unknown);
    await page.waitForSelector('#missing-files:not([hidden])');
    expect((await panel()).rows.map((r) => [r.file, r.node])).toEqual([['input/inside.png', '#7:4 Load Image · image']]);
    await page.click('#missing-files .missing-node');
    expect(await page.evaluate(() => {
      const { editor } = (window as any).narflow;
      return { path: editor.path.map((p: any) => p.instanceId), selected: editor.selectedNodes().map((n: any) => n.id) };
    })).toEqual({ path: ['7'], selected: [4] });
    expect(s.pageErrors).toEqual([]);
  });

  it('a model file dropped on the canvas is named as one, with where it goes; the graph stays', async () => {
    const { page } = s;
    const before = await page.evaluate(() => (window as any).narflow.editor.graph.nodes.length);
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array([0x50, 0x4b, 3, 4])], 'c2i_B.pt'));
      document.getElementById('canvas-container')?.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true, clientX: 600, clientY: 400 }));
    });
    await page.waitForFunction(() => /c2i_B\.pt is a model file, not a workflow: put it in the server's weights\/ folder of its kind/.test(document.getElementById('toast')?.textContent ?? ''));
    expect(await page.evaluate(() => (window as any).narflow.editor.graph.nodes.length)).toBe(before);
    expect(s.pageErrors).toEqual([]);
  });
});
