// The main job in a real browser: the editor opens with the default text-to-image workflow
// (bundled Shapes models), Queue runs it, the sampler node shows the grid growing ring by ring
// and the Save Image node shows the image that was written; a batch of three with randomized
// seeds fills the queue panel with three different images; the inpaint template runs from the
// Templates menu.
import * as fs from 'fs';
import * as path from 'path';
import { readPngText } from '../../models/image/png';
import { describeWithChromium, openEditor, queueAndWait as queueAndWaitFor, type EditorSession } from './browserHelpers';

const describeBrowser = describeWithChromium('test/ui/defaultWorkflow.test.ts');

jest.setTimeout(180_000);

describeBrowser('the default workflow in the editor', () => {
  let s: EditorSession;
  beforeAll(async () => {
    s = await openEditor({ packs: ['core', 'nar'] });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('opens text-to-image, queues it, shows ring previews and the saved image', async () => {
    const { page } = s;
    const types: string[] = await page.evaluate(() => (window as any).narflow.editor.graph.nodes.map((n: any) => n.type));
    expect(types).toEqual(expect.arrayContaining(['LoadNARModel', 'TextEncode', 'NARSampler', 'TokenizerDecode', 'SaveImage']));
    // named as the template it is, in the name field and the tab's title
    expect(await page.inputValue('#workflow-name')).toBe('text-to-image');
    expect(await page.title()).toBe('text-to-image — narflow');
    const ids = await page.evaluate(() => {
      const nodes = (window as any).narflow.editor.graph.nodes;
      const id = (t: string) => String(nodes.find((n: any) => n.type === t).id);
      return { sampler: id('NARSampler'), save: id('SaveImage') };
    });
    // record every preview label the sampler node shows while the prompt runs
    await page.evaluate((sampler) => {
      const w = window as any;
      w.__labels = [];
      const timer = setInterval(() => {
        const st = w.narflow.runState.peek(sampler);
        if (st?.previewLabel && w.__labels[w.__labels.length - 1] !== st.previewLabel) w.__labels.push(st.previewLabel);
        if (w.narflow.runState.phase === 'success' || w.narflow.runState.phase === 'error') clearInterval(timer);
      }, 5);
    }, ids.sampler);
    await page.click('#queue-button');
    await page.waitForFunction(() => ['success', 'error'].includes((window as any).narflow.runState.phase), null, { timeout: 120_000 });
    expect(await page.evaluate(() => (window as any).narflow.runState.phase)).toBe('success');

    const labels: string[] = await page.evaluate(() => (window as any).__labels);
    expect(labels.length).toBeGreaterThan(0);
    expect(labels.every((l) => /ring \d+\/\d+/.test(l))).toBe(true);

    const images = await page.evaluate((save) => (window as any).narflow.runState.peek(save).images, ids.save);
    expect(images).toHaveLength(1);
    const url: string = await page.evaluate((ref) => (window as any).narflow.client.viewUrl(ref), images[0]);
    // the browser loads the image the node shows: a real PNG, 32×32 or larger, not blank
    const drawn = await page.evaluate(async (u) => {
      const img = new Image();
      img.src = u;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext('2d')!;
      g.drawImage(img, 0, 0);
      const px = g.getImageData(0, 0, img.width, img.height).data;
      let min = 255;
      let max = 0;
      for (let i = 0; i < px.length; i += 4) {
        const v = px[i] + px[i + 1] + px[i + 2];
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      return { width: img.width, height: img.height, range: max - min };
    }, url);
    expect(drawn.width).toBeGreaterThanOrEqual(32);
    expect(drawn.range).toBeGreaterThan(100);
    // the file on disk carries the workflow
    const file = path.join(s.dataDir, 'output', images[0].subfolder ?? '', images[0].filename);
    const text = readPngText(fs.readFileSync(file));
    expect(JSON.parse(text.workflow).nodes.some((n: { type: string }) => n.type === 'NARSampler')).toBe(true);
    expect(s.pageErrors).toEqual([]);
    if (process.env.NARFLOW_EDITOR_SCREENSHOT_NAR) await page.screenshot({ path: process.env.NARFLOW_EDITOR_SCREENSHOT_NAR });
  });

  it('queues a batch of three with randomized seeds; the queue panel lists each image', async () => {
    const { page } = s;
    await page.evaluate(() => {
      const sampler = (window as any).narflow.editor.graph.nodes.find((n: any) => n.type === 'NARSampler');
      sampler.widgets.find((w: any) => w.value === 'fixed').value = 'randomize';
    });
    await page.fill('#batch-count', '3');
    await page.press('#batch-count', 'Tab');
    await page.click('#queue-panel-button');
    await page.click('#queue-button');
    await page.waitForFunction(
      () => {
        const rows = Array.from(document.querySelectorAll('#queue-panel .qp-history .qp-item.success'));
        return rows.length === 4 && rows.every((r) => Array.from(r.querySelectorAll('img.qp-thumb')).some((i) => (i as HTMLImageElement).naturalWidth > 0));
      },
      null,
      { timeout: 120_000 },
    );
    const history = await s.host.queue.history();
    expect(history.map((h) => h.status)).toEqual(['success', 'success', 'success', 'success']);
    const sampler = Object.keys(history[0].prompt.prompt).find((id) => history[0].prompt.prompt[id].class_type === 'NARSampler') as string;
    const batch = history.slice(1);
    expect(new Set(batch.map((h) => h.prompt.prompt[sampler].inputs.seed)).size).toBe(3);
    const files = batch.map((h) => {
      const img = Object.values(h.outputs).flatMap((o) => o.images ?? [])[0];
      return fs.readFileSync(path.join(s.dataDir, 'output', img.subfolder ?? '', img.filename)).toString('base64');
    });
    expect(new Set(files).size).toBe(3); // three seeds, three different images
    await page.fill('#batch-count', '1'); // the next tests queue one prompt at a time
    await page.press('#batch-count', 'Tab');
    expect(s.pageErrors).toEqual([]);
    if (process.env.NARFLOW_EDITOR_SCREENSHOT_QUEUE) await page.screenshot({ path: process.env.NARFLOW_EDITOR_SCREENSHOT_QUEUE });
  });

  it('picks a seed position by clicking the sampler preview; a model without the heads for it says so', async () => {
    const { page } = s;
    await page.click('#queue-panel-button'); // closed again: the canvas gets the width back
    await page.evaluate(() => (window as any).narflow.app.loadTemplate('nar-vs-raster'));
    await page.waitForFunction(() => (window as any).narflow.editor.graph.nodes.length > 5);
    const queueAndWait = () => queueAndWaitFor(page);
    await queueAndWait();
    // the samplers: NAR from the corner reports seed [0,0], the centre-trained one [4,4], raster none
    const seeds: Record<string, number[] | undefined> = await page.evaluate(() => {
      const { editor, runState } = (window as any).narflow;
      return Object.fromEntries(editor.graph.nodes.filter((n: any) => n.type === 'NARSampler').map((n: any) => [n.id, runState.peek(String(n.id))?.extra?.seed]));
    });
    const centre = Object.keys(seeds).find((id) => JSON.stringify(seeds[id]) === '[4,4]')!;
    const corner = Object.keys(seeds).find((id) => JSON.stringify(seeds[id]) === '[0,0]')!;
    expect(centre && corner).toBeTruthy();

    /** Clicks grid cell [r, c] of a sampler's preview; returns the page point clicked. */
    const clickCell = async (id: string, r: number, c: number) => {
      const [x, y] = await page.evaluate(
        ([nodeId, row, col]) => {
          const { editor, seedPickerOf } = (window as any).narflow;
          editor.canvas.draw(true, true);
          const node = editor.graph.getNodeById(Number(nodeId));
          const p = seedPickerOf(node);
          const local = [p.x + ((col + 0.5) * p.w) / p.grid[1], p.y + ((row + 0.5) * p.h) / p.grid[0]];
          const [cx, cy] = editor.canvas.convertOffsetToCanvas([node.pos[0] + local[0], node.pos[1] + local[1]], [0, 0]);
          const rect = editor.canvas.canvas.getBoundingClientRect();
          return [rect.left + cx, rect.top + cy];
        },
        [id, r, c] as const,
      );
      await page.mouse.click(x, y);
    };
    const seedWidget = (id: string) => page.evaluate((nodeId) => (window as any).narflow.editor.graph.getNodeById(Number(nodeId)).widgets.find((w: any) => w.name === 'seed_position').value, id);

    await clickCell(centre, 1, 6);
    expect(await seedWidget(centre)).toBe('1,6');
    await queueAndWait();
    const texts: string[] = await page.evaluate((id) => (window as any).narflow.runState.peek(id).texts, centre);
    expect(texts.join(' ')).toContain('from seed [1,6]');
    expect(await page.evaluate((id) => (window as any).narflow.runState.peek(id).extra.seed, centre)).toEqual([1, 6]);
    // the corner model has no heads to grow up or left: picking the middle of its grid is refused by name
    await clickCell(corner, 3, 3);
    expect(await seedWidget(corner)).toBe('3,3');
    await queueAndWait();
    const refused = await page.evaluate((id) => (window as any).narflow.runState.peek(id), corner);
    expect(refused.error).toMatch(/seed_position '3,3' cannot be sampled by this model/);
    expect(s.pageErrors).toEqual([]);
  });
  it('every shipped template, fitted to the window, is drawn with its titles and widgets, not as litegraph\'s low-quality boxes', async () => {
    const views: { name: string; scale: number; lowQuality: boolean }[] = await s.page.evaluate(async () => {
      const { app, client, editor } = (window as any).narflow;
      const out = [];
      for (const name of (await client.listTemplates()).templates) {
        await app.loadTemplate(name);
        out.push({ name, scale: editor.canvas.ds.scale, lowQuality: editor.canvas.low_quality });
      }
      return out;
    });
    expect(views.length).toBeGreaterThanOrEqual(8);
    expect(views.filter((v) => v.lowQuality)).toEqual([]);
    expect(Math.min(...views.map((v) => v.scale))).toBeLessThan(0.6); // litegraph's own threshold would have boxed these
  });
  it('opens the inpaint template from the Templates menu and runs it: the mask-linked samplers keep the picture and both grids show', async () => {
    const { page } = s;
    await page.waitForFunction(() => Array.from((document.getElementById('templates') as HTMLSelectElement).options).some((o) => o.value === 'inpaint'));
    // the list says what each template does
    expect(await page.evaluate(() => (document.querySelector('#templates option[value="inpaint"]') as HTMLOptionElement).text)).toBe("inpaint — outpaint a picture's kept centre and inpaint its right half");
    await page.selectOption('#templates', 'inpaint');
    await page.waitForFunction(() => (window as any).narflow.editor.graph.nodes.some((n: any) => n.type === 'RectangleMask'));
    // MASK links arrive at the samplers' mask slots
    const maskLinks: string[] = await page.evaluate(() => {
      const { graph } = (window as any).narflow.editor;
      return graph.nodes.filter((n: any) => n.type === 'NARSampler').map((n: any) => {
        const slot = n.inputs.find((i: any) => i.name === 'mask');
        return `${slot.type}:${graph.getNodeById(graph.links[slot.link].origin_id).type}`;
      });
    });
    expect(maskLinks).toEqual(['MASK:RectangleMask', 'MASK:RectangleMask']);
    await page.click('#queue-button');
    await page.waitForFunction(() => ['success', 'error'].includes((window as any).narflow.runState.phase), null, { timeout: 120_000 });
    expect(await page.evaluate(() => (window as any).narflow.runState.phase)).toBe('success');
    const shown = await page.evaluate(() => {
      const { editor, runState } = (window as any).narflow;
      const nodes = editor.graph.nodes;
      return {
        saved: nodes.filter((n: any) => n.type === 'SaveImage').map((n: any) => runState.peek(String(n.id))?.images?.[0]?.filename),
        texts: nodes.filter((n: any) => n.type === 'NARSampler').map((n: any) => (runState.peek(String(n.id))?.texts ?? []).join(' ')),
      };
    });
    expect(shown.saved.sort()).toEqual(['inpainted_00001_.png', 'outpainted_00001_.png']);
    expect(shown.texts.join('\n')).toMatch(/16 tokens kept, 48 regenerated per image/);
    expect(shown.texts.join('\n')).toMatch(/32 tokens kept, 32 regenerated per image/);
    expect(s.pageErrors).toEqual([]);
  });

  it('the three loaders made one subgraph: the default workflow draws the same picture through it', async () => {
    const { page } = s;
    await page.evaluate(async () => {
      const { app, client } = (window as any).narflow;
      app.loadWorkflow(await client.defaultWorkflow(), 'default');
    });
    const savedPixels = async (): Promise<Buffer> => {
      const ref = await page.evaluate(() => {
        const { editor, runState } = (window as any).narflow;
        const save = editor.graph.nodes.find((n: any) => n.type === 'SaveImage');
        return runState.peek(String(save.id)).images[0];
      });
      return fs.readFileSync(path.join(s.dataDir, 'output', ref.subfolder ?? '', ref.filename));
    };
    expect(await queueAndWaitFor(page)).toBe('success');
    const before = await savedPixels();
    await page.evaluate(() => {
      const { editor } = (window as any).narflow;
      editor.canvas.deselectAll();
      for (const n of editor.graph.nodes.filter((x: any) => ['LoadNARModel', 'LoadTextEncoder', 'LoadTokenizer'].includes(x.type))) editor.canvas.select(n);
    });
    await page.keyboard.press('Control+Shift+E');
    const instance = await page.evaluate(() => {
      const { editor } = (window as any).narflow;
      const node = editor.graph.nodes.find((n: any) => n.subgraph);
      node.subgraph.name = 'Shapes models';
      node.title = 'Shapes models';
      node.setSize([Math.max(node.size[0], 200), node.size[1]]);
      return { outputs: node.outputs.map((o: any) => o.type), rootTypes: editor.graph.nodes.map((n: any) => n.type).filter((t: string) => !t.includes('-')).sort() };
    });
    expect(instance.outputs.sort()).toEqual(['NAR_MODEL', 'TEXT_ENCODER', 'TOKENIZER']);
    expect(instance.rootTypes).toEqual(['NARSampler', 'SaveImage', 'TextEncode', 'TokenizerDecode']);
    expect(await queueAndWaitFor(page)).toBe('success');
    const after = await savedPixels();
    const { PNG } = await import('pngjs');
    expect(Buffer.compare(PNG.sync.read(after).data, PNG.sync.read(before).data)).toBe(0); // same seed, same picture
    if (process.env.NARFLOW_EDITOR_SCREENSHOT_SUBGRAPH) {
      await page.evaluate(() => (window as any).narflow.editor.fitView());
      await page.waitForTimeout(300);
      await page.screenshot({ path: process.env.NARFLOW_EDITOR_SCREENSHOT_SUBGRAPH });
    }
    expect(s.pageErrors).toEqual([]);
  });
});
