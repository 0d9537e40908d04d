// Helpers for driving the editor in a real Chromium: a real server over a temporary data folder,
// and mouse gestures aimed at litegraph's slots and widgets (positions read from the page).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { initBackend } from '../../models/backend';
import { createHost, type Host } from '../../server/host/host';
import { hostConfig, silentLogger } from '../../server/host/hostConfig';
import { startServer, type RunningServer } from '../../server/http/server';
import { buildUi } from '../../ui/build';
import { uiTestPack } from './testPack';

export const CHROMIUM = process.env.NARFLOW_CHROMIUM ?? '/usr/bin/chromium';

/** `describe` when Chromium is installed; otherwise `describe.skip`, printing why for `file`. */
export function describeWithChromium(file: string): jest.Describe {
  if (fs.existsSync(CHROMIUM)) return describe;
  console.log(`${file} skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set NARFLOW_CHROMIUM)`);
  return describe.skip;
}

export interface EditorSession {
  dataDir: string;
  host: Host;
  server: RunningServer;
  context: BrowserContext;
  page: Page;
  /** Messages the page logged as errors (uncaught exceptions included). */
  pageErrors: string[];
  close(): Promise<void>;
}

/** Starts the real server (core node pack + the test pack, temporary data folder) and opens the editor in Chromium. */
export async function openEditor(opts: { token?: string; packs?: string[]; modelRoots?: string[] } = {}): Promise<EditorSession> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-ui-'));
  const backend = await initBackend('auto');
  const host = createHost(
    hostConfig({ dataDir, packs: opts.packs ?? ['core'], extraPacks: [uiTestPack], dbFile: path.join(dataDir, 'narflow.db'), backend, modelRoots: opts.modelRoots, log: silentLogger }),
  );
  const server = await startServer(host, { port: 0, token: opts.token, ui: { dir: await buildUi() } });
  const context = await chromium.launchPersistentContext(path.join(dataDir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 860 },
    acceptDownloads: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // 4xx answers the test provokes (validation, conflict) are logged by the browser as failed loads
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && pageErrors.push(m.text()));
  await page.goto(opts.token ? `${server.url}/?token=${encodeURIComponent(opts.token)}` : server.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  return {
    dataDir,
    host,
    server,
    context,
    page,
    pageErrors,
    async close() {
      await context.close();
      await server.close();
      await host.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

type Point = [number, number];

/** Page coordinates of a node's input or output slot. */
export function slotPoint(page: Page, nodeId: number, kind: 'input' | 'output', name: string): Promise<Point> {
  return page.evaluate(
    ([id, kind, name]) => {
      const { editor } = (window as unknown as { narflow: { editor: any } }).narflow;
      const node = editor.shown.getNodeById(id);
      const slots = kind === 'input' ? node.inputs : node.outputs;
      const index = slots.findIndex((s: { name: string; widget?: unknown }) => s.name === name && !(kind === 'input' && s.widget));
      if (index < 0) throw new Error(`node ${id} has no ${kind} slot ${name}`);
      const pos = kind === 'input' ? node.getInputPos(index) : node.getOutputPos(index);
      const [x, y] = editor.canvas.convertOffsetToCanvas(pos, [0, 0]);
      const rect = editor.canvas.canvas.getBoundingClientRect();
      return [rect.left + x, rect.top + y] as [number, number];
    },
    [nodeId, kind, name] as const,
  );
}

/** Page coordinates of the middle of a node's widget (once the canvas has drawn it). */
export async function widgetPoint(page: Page, nodeId: number, name: string): Promise<Point> {
  // litegraph sets a widget's y when it draws the node: wait for a frame that placed it
  await page.waitForFunction(
    ([id, name]) => {
      const node = (window as unknown as { narflow: { editor: any } }).narflow.editor.shown.getNodeById(id);
      const w = node?.widgets?.find((x: { name: string }) => x.name === name);
      return !!w && typeof w.y === 'number' && w.y > 0;
    },
    [nodeId, name] as const,
  );
  return page.evaluate(
    ([id, name]) => {
      const { editor } = (window as unknown as { narflow: { editor: any } }).narflow;
      const node = editor.shown.getNodeById(id);
      const w = node.widgets.find((x: { name: string }) => x.name === name);
      if (!w) throw new Error(`node ${id} has no widget ${name}`);
      const [x, y] = editor.canvas.convertOffsetToCanvas([node.pos[0] + node.size[0] / 2, node.pos[1] + w.y + 10], [0, 0]);
      const rect = editor.canvas.canvas.getBoundingClientRect();
      return [rect.left + x, rect.top + y] as [number, number];
    },
    [nodeId, name] as const,
  );
}

/** Presses at `from`, moves in steps and releases at `to` (how a user drags a link). */
export async function mouseDrag(page: Page, from: Point, to: Point): Promise<void> {
  await page.mouse.move(from[0], from[1]);
  await page.mouse.down();
  await page.mouse.move((from[0] + to[0]) / 2, (from[1] + to[1]) / 2, { steps: 6 });
  await page.mouse.move(to[0], to[1], { steps: 6 });
  await page.mouse.up();
}

export async function dragLink(page: Page, from: [number, string], to: [number, string]): Promise<void> {
  await mouseDrag(page, await slotPoint(page, from[0], 'output', from[1]), await slotPoint(page, to[0], 'input', to[1]));
}

/**
 * Does `open` (a click or key that opens the file picker of the file input `input`) and picks
 * `file` in it, as the user would. The native picker is not opened: the input's click is caught
 * and counted, then the file is given to the input. (Waiting for Chromium's file-chooser event
 * instead is known to flake on a loaded machine: the event goes missing.)
 */
export async function pickFileFrom(page: Page, input: string, open: () => Promise<unknown>, file: string): Promise<void> {
  await page.evaluate((sel) => {
    const el = document.querySelector(sel) as (HTMLInputElement & { __pickerCaught?: boolean }) | null;
    if (!el) throw new Error(`no file input ${sel}`);
    if (!el.__pickerCaught) {
      el.__pickerCaught = true;
      el.addEventListener('click', (e) => {
        e.preventDefault(); // no native dialog
        el.dataset.pickerOpened = String(Number(el.dataset.pickerOpened ?? '0') + 1);
      });
    }
    el.dataset.pickerOpened = '0';
  }, input);
  await open();
  await page
    .waitForFunction((sel) => (document.querySelector(sel) as HTMLElement).dataset.pickerOpened === '1', input, { timeout: 10_000 })
    .catch(async () => {
      const n = await page.evaluate((sel) => (document.querySelector(sel) as HTMLElement).dataset.pickerOpened, input);
      throw new Error(`the file picker of ${input} was opened ${n} times, not once`);
    });
  await page.setInputFiles(input, file);
}

/** Clicks a number/text widget's middle and types a value into litegraph's prompt dialog. */
export async function setWidget(page: Page, nodeId: number, name: string, value: string): Promise<void> {
  const [x, y] = await widgetPoint(page, nodeId, name);
  await page.mouse.click(x, y);
  const input = page.locator('.graphdialog .value');
  await input.fill(value);
  await input.press('Enter');
}

/** Drops a node type from the palette at page offset (x, y) of the canvas; returns the new node's id. */
export async function dropFromPalette(page: Page, type: string, x: number, y: number): Promise<number> {
  const before = await graphSummary(page);
  await page.dragAndDrop(`.palette-item[data-node-type="${type}"]`, '#graph-canvas', { targetPosition: { x, y } });
  const after = await graphSummary(page);
  const added = after.nodes.filter((n) => !before.nodes.some((b) => b.id === n.id));
  if (added.length !== 1 || added[0].type !== type) throw new Error(`dropping ${type} added ${JSON.stringify(added)}`);
  return added[0].id;
}

export interface GraphSummary {
  nodes: { id: number; type: string; pos: number[]; widgets: unknown[] }[];
  links: [number, number, number, number, string][];
  groups: { title: string; bounding: number[] }[];
}

/** Nodes and links of the graph shown, from the editor's own serialisation. */
export function graphSummary(page: Page): Promise<GraphSummary> {
  return page.evaluate(() => {
    const wf = (window as unknown as { narflow: { editor: { serialize(): any } } }).narflow.editor.serialize();
    return {
      nodes: wf.nodes
        .map((n: any) => ({ id: n.id, type: n.type, pos: n.pos, widgets: n.widgets_values ?? [] }))
        .sort((a: { id: number }, b: { id: number }) => a.id - b.id),
      links: wf.links.map((l: any[]) => [l[1], l[2], l[3], l[4], l[5]]).sort(),
      groups: (wf.groups ?? []).map((g: any) => ({ title: g.title, bounding: g.bounding })),
    };
  });
}

/** Reads a state value of the page's run state (phase, or a node's field). */
export function runPhase(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { narflow: { runState: { phase: string } } }).narflow.runState.phase);
}

/**
 * Presses Queue and waits for the end of the prompt it queued, not of an earlier one (whose ended
 * phase is still shown until the server answers), or for its refusal; returns the phase.
 */
export async function queueAndWait(page: Page, timeout = 120_000): Promise<string> {
  const before = await page.evaluate(() => {
    const rs = (window as any).narflow.runState;
    const count = (document.querySelector('#batch-count') as HTMLInputElement | null)?.value ?? '1';
    return { prompt: rs.currentPrompt as string | null, message: rs.lastMessage as string, count };
  });
  // with a batch count above 1 the first prompt's end is not the end: the next one's start clears its marks
  if (Number(before.count) > 1) throw new Error(`queueAndWait queues one prompt; the batch count is ${before.count}`);
  await page.click('#queue-button');
  await page.waitForFunction(
    (prev) => {
      const rs = (window as any).narflow.runState;
      const ended = rs.currentPrompt !== prev.prompt && ['success', 'error', 'interrupted'].includes(rs.phase);
      const refused = rs.phase === 'error' && rs.lastMessage.startsWith('rejected') && rs.lastMessage !== prev.message;
      return ended || refused;
    },
    before,
    { timeout },
  );
  return runPhase(page);
}

/** Drops a file (bytes, or base64) on the canvas at graph position (gx, gy), as a file dragged from the desktop. */
export function dropFile(page: Page, name: string, bytes: Buffer | string, gx: number, gy: number, type = ''): Promise<void> {
  const b64 = typeof bytes === 'string' ? bytes : bytes.toString('base64');
  return page.evaluate(
    ([n, data, x, y, t]) => {
      const { editor } = (window as any).narflow;
      const [cx, cy] = editor.canvas.convertOffsetToCanvas([x, y], [0, 0]);
      const rect = editor.canvas.canvas.getBoundingClientRect();
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], n, { type: t }));
      document.getElementById('canvas-container')?.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true, clientX: rect.left + cx, clientY: rect.top + cy }));
    },
    [name, b64, gx, gy, type] as const,
  );
}
