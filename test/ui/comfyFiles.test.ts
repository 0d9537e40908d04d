// Workflow files made by ComfyUI's current frontend (test/fixtures/comfyui), dropped on the editor in
// a real Chromium: they open, queue with the values the file holds, and a save keeps what narflow
// does not use (top-level fields such as `models`, extra, native reroutes, floating links).
import * as fs from 'fs';
import * as path from 'path';
import { describeWithChromium, dropFile, openEditor, queueAndWait, type EditorSession } from './browserHelpers';

const describeBrowser = describeWithChromium('test/ui/comfyFiles.test.ts');
jest.setTimeout(120_000);

const FIXTURES = path.resolve(__dirname, '../fixtures/comfyui');
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));

describeBrowser('ComfyUI files in the editor', () => {
  let s: EditorSession;
  beforeAll(async () => {
    s = await openEditor();
  });
  afterAll(async () => {
    await s?.close();
  });

  async function open(name: string): Promise<void> {
    await dropFile(s.page, name, fs.readFileSync(path.join(FIXTURES, name)), 100, 100, 'application/json');
    await s.page.waitForFunction((n) => (document.getElementById('workflow-name') as HTMLInputElement).value === n, name.replace(/\.json$/, ''));
  }

  /** The API form of the prompt the editor queued last. */
  async function queued(): Promise<Record<string, { class_type: string; inputs: Record<string, unknown> }>> {
    expect(await queueAndWait(s.page)).toBe('success');
    const runs = await s.host.queue.history();
    return runs[runs.length - 1].prompt.prompt;
  }

  it('a schema-1 file with native reroutes runs as the direct link; Save keeps its reroutes, floating link, models, extra and unknown fields', async () => {
    await open('native-reroutes-v1.json');
    expect(await s.page.evaluate(() => (window as any).narflow.editor.graph.reroutes.size)).toBe(3);
    expect((await queued())['2'].inputs.images).toEqual(['1', 0]);
    const [download] = await Promise.all([s.page.waitForEvent('download'), s.page.click('#save-file')]);
    const saved = JSON.parse(fs.readFileSync((await download.path())!, 'utf8'));
    const raw = fixture('native-reroutes-v1.json');
    expect(saved).toMatchObject({ models: raw.models, myTool: raw.myTool, floatingLinks: raw.floatingLinks, links: [[1, 1, 0, 2, 0, 'IMAGE']] });
    expect(saved.extra).toMatchObject({ myExtension: raw.extra.myExtension, frontendVersion: '1.28.7', linkExtensions: [{ id: 1, parentId: 2 }] });
    expect(saved.extra.reroutes.map((r: { id: number; parentId?: number }) => [r.id, r.parentId])).toEqual([[1, undefined], [2, 1], [3, 1]]);
    // they belong to that workflow: New starts without them
    await s.page.evaluate(() => (window as any).narflow.app.newWorkflow());
    expect(await s.page.evaluate(() => Object.keys((window as any).narflow.editor.serialize()).filter((k) => k === 'models' || k === 'myTool'))).toEqual([]);
    expect(s.pageErrors).toEqual([]);
  });

  it('subgraph instances with proxyWidgets show their widgets (an inner one promoted through a new input) and queue their own values', async () => {
    await open('subgraph-proxy-widgets.json');
    const widgets = await s.page.evaluate(() =>
      [5, 6, 7].map((id) => (window as any).narflow.editor.graph.getNodeById(id).widgets.map((w: any) => [w.name, w.value])),
    );
    expect(widgets).toEqual([
      [['width', 7], ['height', 5], ['seed', 42]],
      [['width', 9], ['height', 4], ['seed', 77]],
      [['width', 1000], ['height', 3], ['seed', 5]],
    ]);
    const prompt = await queued();
    expect(prompt['5:10'].inputs).toMatchObject({ width: 7, height: 5, seed: 42 });
    expect(prompt['6:10'].inputs).toMatchObject({ width: 9, height: 4, seed: 77 });
    expect(prompt['7:10'].inputs).toMatchObject({ width: ['3', 0], height: 3, seed: 5 });
    expect(s.pageErrors).toEqual([]);
  });

  it('a PrimitiveNode shows its value and gives it, and widgets_values written as an object keep their values', async () => {
    await open('primitive-reroute.json');
    const primitive = () =>
      s.page.evaluate(() => {
        const n = (window as any).narflow.editor.graph.getNodeById(3);
        return { placeholder: !!n.has_errors, widgets: n.widgets.map((w: any) => [w.name, w.value]) };
      });
    expect(await primitive()).toEqual({ placeholder: false, widgets: [['value', 24], ['control_after_generate', 'fixed']] });
    expect((await queued())['5'].inputs).toMatchObject({ width: 24, height: 24 });
    await s.page.evaluate(() => ((window as any).narflow.editor.graph.getNodeById(3).widgets[0].value = 30));
    expect((await queued())['5'].inputs).toMatchObject({ width: 30, height: 30 });
    await open('widgets-object.json');
    expect((await queued())['1'].inputs).toMatchObject({ width: 8, height: 6, color_a: '#000000', seed: 3 });
    expect(s.pageErrors).toEqual([]);
  });
});
