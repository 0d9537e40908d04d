// Paints a node's run state over litegraph's own drawing: running highlight, progress bar,
// error outline and message, loss plot (trainers), preview / output images below the widgets, the
// time the node took; and a veil over muted and bypassed nodes.
import { LiteGraph, type LGraphNode } from '@comfyorg/litegraph';
import type { NodeRunState } from '../execution/runState';
import type { Scores } from '../execution/scores';
import { formatDuration } from '../format';
import { drawLossPlot } from '../plot/lossPlot';
import type { Drawable, ImageCache } from './imageCache';

const PLOT_HEIGHT = 110;
const IMAGE_MIN_HEIGHT = 48;
const IMAGE_MAX_HEIGHT = 320;
const COLORS = { running: '#3ddc84', cached: '#4a7fb5', error: '#ff5c5c', bar: '#3ddc84', text: '#c9d1d9', muted: '#8b949e' };

export interface DrawContext {
  images: ImageCache;
  viewUrl(ref: { filename: string; subfolder: string; type: string }): string;
  /** The URL of the input picture a node has chosen (Load Image), shown while it has no outputs to show. */
  /** The view URL and name of the input file a loader node has chosen (its picture, or its clip, animated). */
  inputImage?(node: LGraphNode): { url: string; filename: string } | undefined;
  /** The id shown above the node (what `--set`, `--only` and the API name it by), or null to show none. */
  idLabel?(node: LGraphNode): string | null;
}

/** Bottom of the widgets (or of the slots when there are none), in node-local coordinates. */
function contentTop(node: LGraphNode): number {
  const widgets = node.widgets ?? [];
  if (widgets.length) {
    return Math.max(...widgets.map((w) => (w.y ?? 0) + (w.computedHeight ?? LiteGraph.NODE_WIDGET_HEIGHT + 4))) + 4;
  }
  const rows = Math.max(node.inputs.filter((i) => !i.widget).length, node.outputs.length);
  return rows * LiteGraph.NODE_SLOT_HEIGHT + 8;
}

function outline(ctx: CanvasRenderingContext2D, node: LGraphNode, color: string, width: number): void {
  const th = LiteGraph.NODE_TITLE_HEIGHT;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.beginPath();
  ctx.roundRect(-width, -th - width, node.size[0] + 2 * width, node.size[1] + th + 2 * width, 10);
  ctx.stroke();
  ctx.restore();
}

function drawProgress(ctx: CanvasRenderingContext2D, node: LGraphNode, p: { value: number; max: number }): void {
  const frac = p.max > 0 ? Math.min(1, Math.max(0, p.value / p.max)) : 0;
  ctx.save();
  ctx.fillStyle = 'rgba(255,255,255,0.08)';
  ctx.fillRect(0, -3, node.size[0], 3);
  ctx.fillStyle = COLORS.bar;
  ctx.fillRect(0, -3, node.size[0] * frac, 3);
  ctx.font = '10px sans-serif';
  ctx.textAlign = 'right';
  ctx.fillStyle = COLORS.text;
  ctx.fillText(`${p.value}/${p.max}`, node.size[0] - 8, -LiteGraph.NODE_TITLE_HEIGHT + 19);
  ctx.restore();
}

/** How long the node took, at the right of its title bar. */
/** Room at the right of the title bar that litegraph's title buttons take (a subgraph's open button). */
function titleInset(node: LGraphNode): number {
  return 8 + (node.title_buttons?.filter((b) => b.visible !== false).length ?? 0) * 22;
}

/** A short note at the right of the title bar: the run time, or "stopped". */
function drawTitleNote(ctx: CanvasRenderingContext2D, node: LGraphNode, text: string, color = COLORS.muted): void {
  ctx.save();
  ctx.font = '10px sans-serif';
  ctx.textAlign = 'right';
  ctx.fillStyle = color;
  ctx.fillText(text, node.size[0] - titleInset(node), -LiteGraph.NODE_TITLE_HEIGHT + 19);
  ctx.restore();
}

/** Splits `text` into lines no wider than `width` in the context's font (words kept whole, paragraphs kept). */
export function wrapText(ctx: CanvasRenderingContext2D, text: string, width: number): string[] {
  const lines: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).flatMap((w) => splitLongWord(ctx, w, width))) {
      const next = line ? `${line} ${word}` : word;
      if (ctx.measureText(next).width > width && line) {
        lines.push(line);
        line = word;
      } else line = next;
    }
    lines.push(line);
  }
  return lines;
}

/** A word wider than `width` (a JSON line, a path) in pieces that fit, so no text runs past the node. */
function splitLongWord(ctx: CanvasRenderingContext2D, word: string, width: number): string[] {
  if (ctx.measureText(word).width <= width) return [word];
  const pieces: string[] = [];
  let piece = '';
  for (const ch of word) {
    if (piece && ctx.measureText(piece + ch).width > width) {
      pieces.push(piece);
      piece = '';
    }
    piece += ch;
  }
  if (piece) pieces.push(piece);
  return pieces;
}

/** "#4" just above the title's left end (ComfyUI's node id badge). */
function drawIdLabel(ctx: CanvasRenderingContext2D, id: string): void {
  ctx.save();
  ctx.font = '11px sans-serif';
  ctx.fillStyle = COLORS.muted;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  ctx.fillText(`#${id}`, 4, -LiteGraph.NODE_TITLE_HEIGHT - 4);
  ctx.restore();
}

/** `text` cut with "…" to fit `width`. */
function fitText(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let t = text;
  while (t.length > 1 && ctx.measureText(`${t}…`).width > width) t = t.slice(0, -1);
  return `${t}…`;
}

const SCORE_ROW = 15;
const MAX_SCORE_ROWS = 12;
const MAX_NOTE_LINES = 6;

/** A node's scores as "label … value" rows, the longer notes wrapped under them; returns the height used. */
function drawScores(ctx: CanvasRenderingContext2D, scores: Scores, x: number, y: number, w: number): number {
  ctx.save();
  const rows = scores.rows.slice(0, MAX_SCORE_ROWS);
  ctx.textBaseline = 'alphabetic';
  rows.forEach((r, i) => {
    const base = y + 11 + i * SCORE_ROW;
    ctx.font = '11px monospace';
    const value = fitText(ctx, r.value, w * 0.6);
    const vw = ctx.measureText(value).width;
    ctx.fillStyle = COLORS.text;
    ctx.fillText(value, x + w - vw, base);
    ctx.font = '11px sans-serif';
    ctx.fillStyle = COLORS.muted;
    ctx.fillText(fitText(ctx, r.label, w - vw - 8), x, base);
  });
  let h = rows.length * SCORE_ROW;
  if (scores.rows.length > rows.length) {
    ctx.fillStyle = COLORS.muted;
    ctx.fillText(`+${scores.rows.length - rows.length} more (in the JSON output)`, x, y + h + 11);
    h += SCORE_ROW;
  }
  if (scores.notes.length) {
    ctx.font = '10px sans-serif';
    ctx.fillStyle = COLORS.muted;
    const lines = wrapText(ctx, scores.notes.join('\n'), w).slice(0, MAX_NOTE_LINES);
    lines.forEach((l, i) => ctx.fillText(l, x, y + h + 14 + i * 12));
    h += 6 + lines.length * 12;
  }
  ctx.restore();
  return h;
}

function drawError(ctx: CanvasRenderingContext2D, node: LGraphNode, message: string): void {
  outline(ctx, node, COLORS.error, 2);
  ctx.save();
  ctx.font = '11px sans-serif';
  const width = Math.max(node.size[0], 220);
  const lines = wrapText(ctx, message, width - 16).slice(0, 8);
  const h = lines.length * 14 + 10;
  const y = node.size[1] + 8;
  ctx.fillStyle = 'rgba(60,16,18,0.95)';
  ctx.strokeStyle = COLORS.error;
  ctx.beginPath();
  ctx.roundRect(0, y, width, h, 6);
  ctx.fill();
  ctx.stroke();
  ctx.fillStyle = '#ffd7d7';
  ctx.textAlign = 'left';
  lines.forEach((l, i) => ctx.fillText(l, 8, y + 17 + i * 14));
  // badge on the title
  ctx.fillStyle = COLORS.error;
  ctx.beginPath();
  const x = node.size[0] - titleInset(node) - 4;
  ctx.arc(x, -LiteGraph.NODE_TITLE_HEIGHT / 2, 8, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#fff';
  ctx.font = 'bold 12px sans-serif';
  ctx.textAlign = 'center';
  ctx.fillText('!', x, -LiteGraph.NODE_TITLE_HEIGHT / 2 + 4);
  ctx.restore();
}

/** Red marks on the widgets and slots that validation named. */
function markErrorInputs(ctx: CanvasRenderingContext2D, node: LGraphNode, names: string[]): void {
  ctx.save();
  ctx.strokeStyle = COLORS.error;
  ctx.lineWidth = 2;
  for (const name of names) {
    const widget = node.widgets?.find((w) => w.name === name);
    const slot = node.inputs.findIndex((i) => i.name === name);
    if (widget && !(slot >= 0 && node.inputs[slot].link != null)) {
      ctx.beginPath();
      ctx.roundRect(12, widget.y, node.size[0] - 24, LiteGraph.NODE_WIDGET_HEIGHT, 6);
      ctx.stroke();
    } else if (slot >= 0) {
      const [x, y] = node.getInputPos(slot);
      ctx.beginPath();
      ctx.arc(x - node.pos[0], y - node.pos[1], 7, 0, Math.PI * 2);
      ctx.stroke();
    }
  }
  ctx.restore();
}

/** Draws `imgs` side by side, scaled to fit the box and centred. */
interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Draws the images side by side; returns where each landed (node-local). */
function drawImages(ctx: CanvasRenderingContext2D, imgs: Drawable[], x: number, y: number, w: number, h: number): Rect[] {
  if (!imgs.length || w <= 0 || h <= 0) return [];
  const cell = w / imgs.length;
  ctx.save();
  const rects = imgs.map((img, i) => {
    const scale = Math.min(cell / img.width, h / img.height);
    const r = { x: x + i * cell + (cell - img.width * scale) / 2, y: y + (h - img.height * scale) / 2, w: img.width * scale, h: img.height * scale };
    ctx.imageSmoothingEnabled = scale < 1; // small samples stay crisp when enlarged
    ctx.drawImage(img.source, r.x, r.y, r.w, r.h);
    return r;
  });
  ctx.restore();
  return rects;
}

/**
 * The seed picker of a sampler's preview: the first picture of the preview (node-local) and its
 * token grid. Set while drawing, read by clicks.
 */
export interface SeedPicker extends Rect {
  grid: [number, number];
}
const seedPickers = new WeakMap<LGraphNode, SeedPicker>();

/** Where the node's seed picker is (node-local), if its preview has one. */
export function seedPickerOf(node: LGraphNode): SeedPicker | undefined {
  return seedPickers.get(node);
}

/** The grid cell [row, col] under a node-local point, if the point is on the node's seed picker. */
export function seedCellAt(node: LGraphNode, pos: ArrayLike<number>): [number, number] | null {
  const p = seedPickers.get(node);
  return p ? cellAt(p, pos) : null;
}

export function cellAt(p: SeedPicker, pos: ArrayLike<number>): [number, number] | null {
  const x = pos[0];
  const y = pos[1];
  if (x < p.x || y < p.y || x >= p.x + p.w || y >= p.y + p.h) return null;
  const [gh, gw] = p.grid;
  return [Math.min(gh - 1, Math.floor(((y - p.y) / p.h) * gh)), Math.min(gw - 1, Math.floor(((x - p.x) / p.w) * gw))];
}

/** "r,c" typed in the sampler's seed_position widget, when it is a cell of `grid`. */
function typedSeed(node: LGraphNode, grid: [number, number]): [number, number] | null {
  const value = String(node.widgets?.find((w) => w.name === 'seed_position')?.value ?? '');
  const m = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(value);
  if (!m) return null;
  const cell: [number, number] = [Number(m[1]), Number(m[2])];
  return cell[0] < grid[0] && cell[1] < grid[1] ? cell : null;
}

/**
 * The preview's first picture becomes a seed picker (the sampler reports its grid and seed): the
 * seed cell is outlined — the one typed or picked if any, else where the last run started.
 */
function drawSeedPicker(ctx: CanvasRenderingContext2D, node: LGraphNode, extra: Record<string, unknown> | null, preview: Rect | undefined): void {
  const grid = extra?.seed_grid;
  const ran = extra?.seed;
  if (!preview || !Array.isArray(grid) || grid.length !== 2 || !Array.isArray(ran)) {
    seedPickers.delete(node);
    return;
  }
  const g: [number, number] = [Number(grid[0]), Number(grid[1])];
  const picker: SeedPicker = { x: preview.x, y: preview.y, w: Math.min(preview.w, (preview.h * g[1]) / g[0]), h: preview.h, grid: g };
  seedPickers.set(node, picker);
  const [r, c] = typedSeed(node, g) ?? [Number(ran[0]), Number(ran[1])];
  const cw = picker.w / g[1];
  const ch = picker.h / g[0];
  ctx.save();
  ctx.strokeStyle = '#3d8bfd';
  ctx.lineWidth = 2;
  ctx.strokeRect(picker.x + c * cw + 1, picker.y + r * ch + 1, cw - 2, ch - 2);
  ctx.restore();
}

const CAPTION_HEIGHT = 14;

function drawCaption(ctx: CanvasRenderingContext2D, text: string, x: number, y: number): void {
  ctx.save();
  ctx.font = '10px sans-serif';
  const w = ctx.measureText(text).width + 8;
  ctx.fillStyle = 'rgba(0,0,0,0.6)';
  ctx.fillRect(x, y, w, CAPTION_HEIGHT);
  ctx.fillStyle = '#e6edf3';
  ctx.textAlign = 'left';
  ctx.fillText(text, x + 4, y + 10);
  ctx.restore();
}

/** Height that shows `imgs` side by side at the node's width, within sensible bounds. */
function imageBoxHeight(imgs: Drawable[], width: number): number {
  if (!imgs.length) return IMAGE_MIN_HEIGHT;
  const cell = width / imgs.length;
  const tallest = Math.max(...imgs.map((i) => (cell * i.height) / i.width));
  return Math.min(IMAGE_MAX_HEIGHT, Math.max(IMAGE_MIN_HEIGHT, tallest));
}

/** Grows the node (never shrinks it) so that `height` fits below the title. */
function ensureHeight(node: LGraphNode, height: number): void {
  if (node.size[1] >= height) return;
  node.setSize([node.size[0], height]);
  node.setDirtyCanvas(true, true); // this frame was laid out at the old size
}

/** litegraph node modes the editor sets: muted (left out of the prompt) and bypassed (inputs passed through). */
const MODE = { always: 0, muted: 2, bypassed: 4 } as const;
const MODE_LOOK: Record<number, { fill: string; label: string }> = {
  [MODE.muted]: { fill: 'rgba(22,24,28,0.6)', label: 'muted' },
  [MODE.bypassed]: { fill: 'rgba(150,60,190,0.35)', label: 'bypassed' },
};

/** Veils a muted or bypassed node and names its mode in the title bar. */
function drawMode(ctx: CanvasRenderingContext2D, node: LGraphNode): void {
  const look = MODE_LOOK[node.mode ?? MODE.always];
  if (!look) return;
  const th = LiteGraph.NODE_TITLE_HEIGHT;
  ctx.save();
  ctx.fillStyle = look.fill;
  ctx.beginPath();
  ctx.roundRect(0, -th, node.size[0], node.size[1] + th, 8);
  ctx.fill();
  ctx.font = 'bold 10px sans-serif';
  ctx.textAlign = 'right';
  ctx.fillStyle = '#e0c4f0';
  ctx.fillText(look.label, node.size[0] - titleInset(node), -th + 19);
  ctx.restore();
}

/** The chosen input picture (or clip) of a node that has one, drawn below its widgets. */
function drawInputImage(ctx: CanvasRenderingContext2D, node: LGraphNode, input: { url: string; filename: string }, dc: DrawContext): void {
  const img = dc.images.get(input.url, input.filename);
  const y = contentTop(node);
  const w = node.size[0] - 16;
  ensureHeight(node, y + imageBoxHeight(img ? [img] : [], w) + 8);
  if (img) drawImages(ctx, [img], 8, y, w, node.size[1] - y - 8);
}

export function drawNodeState(ctx: CanvasRenderingContext2D, node: LGraphNode, state: NodeRunState | undefined, dc: DrawContext): void {
  const id = dc.idLabel?.(node);
  if (id) drawIdLabel(ctx, id);
  drawState(ctx, node, state, dc);
  // the veil of a muted or bypassed node goes over what it shows, so its pictures look left out too
  drawMode(ctx, node);
}

function drawState(ctx: CanvasRenderingContext2D, node: LGraphNode, state: NodeRunState | undefined, dc: DrawContext): void {
  const input = dc.inputImage?.(node);
  if (input && !state?.preview && !state?.images.length && !state?.error) drawInputImage(ctx, node, input, dc);
  if (!state) return;
  let y = contentTop(node);
  const w = node.size[0] - 16;
  if (state.metrics.length) {
    ensureHeight(node, y + PLOT_HEIGHT + 8);
    drawLossPlot(ctx, { x: 8, y, w, h: PLOT_HEIGHT }, state.metrics, state.extra);
    y += PLOT_HEIGHT + 8;
  }
  const imgs = state.preview
    ? [dc.images.get(state.preview)].filter((i): i is Drawable => !!i)
    : state.images.map((ref) => dc.images.get(dc.viewUrl(ref), ref.filename)).filter((i): i is Drawable => !!i);
  if (state.preview || state.images.length) {
    // the caption ("ring 5/16") goes above the picture, not over its corner (where the seed cell is)
    const caption = state.preview && state.previewLabel ? state.previewLabel : null;
    if (caption) {
      drawCaption(ctx, caption, 8, y);
      y += CAPTION_HEIGHT + 2;
    }
    ensureHeight(node, y + imageBoxHeight(imgs, w) + 8);
    const rects = drawImages(ctx, imgs, 8, y, w, node.size[1] - y - 8);
    drawSeedPicker(ctx, node, state.preview ? state.extra : null, rects[0]);
  } else seedPickers.delete(node);
  if (state.scores && !imgs.length) {
    const h = drawScores(ctx, state.scores, 8, y, w);
    ensureHeight(node, y + h + 8);
  } else if (state.texts.length && !imgs.length) {
    ctx.save();
    ctx.fillStyle = COLORS.text;
    ctx.font = '11px monospace';
    const lines = wrapText(ctx, state.texts.join('\n'), w).slice(0, 8);
    ensureHeight(node, y + lines.length * 13 + 8);
    lines.forEach((l, i) => ctx.fillText(l, 8, y + 12 + i * 13));
    ctx.restore();
  }
  if (state.running) outline(ctx, node, COLORS.running, 3);
  else if (state.cached && !state.error) outline(ctx, node, COLORS.cached, 1);
  if (state.progress) drawProgress(ctx, node, state.progress);
  // the title's right end holds the error badge or the mode's name when there is one
  else if (!state.running && !state.error && !MODE_LOOK[node.mode ?? MODE.always]) {
    if (state.stopped) drawTitleNote(ctx, node, state.ranMs !== null ? `stopped after ${formatDuration(state.ranMs)}` : 'stopped', '#e3b341');
    else if (state.ranMs !== null) drawTitleNote(ctx, node, formatDuration(state.ranMs));
  }
  if (state.error) drawError(ctx, node, state.error);
  if (state.errorInputs.length) markErrorInputs(ctx, node, state.errorInputs);
}
