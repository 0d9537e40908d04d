// The mask editor (ComfyUI's, for Load Image): paint over the input picture what an inpainting
// sampler should redraw, then Save writes the picture with those pixels transparent, which Load
// Image's MASK output reads as 1. Left button paints, right button (or Erase) clears; Clear,
// Invert, Cancel (Esc) and Save (Enter).
import { applyMaskToAlpha, defaultBrush, maskFromAlpha, paintStroke, type MaskGrid } from './maskPaint';

/** Longest side of the picture on screen, in CSS pixels. */
const VIEW = 480;
const MARK = [255, 64, 64, 150] as const;

function button(label: string, id: string): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.id = id;
  return b;
}

async function loadImage(url: string): Promise<HTMLImageElement> {
  const img = new Image();
  img.src = url;
  await img.decode();
  return img;
}

export class MaskEditor {
  private readonly root: HTMLElement;
  private readonly title: HTMLElement;
  private readonly view: HTMLCanvasElement;
  private readonly brush: HTMLInputElement;
  private readonly eraseToggle: HTMLInputElement;
  private image: HTMLImageElement | null = null;
  private mask: MaskGrid | null = null;
  /** image at its own size, and the marks drawn over it (both W×H) */
  private readonly pixels = document.createElement('canvas');
  private readonly marks = document.createElement('canvas');
  private settle: ((blob: Blob | null) => void) | null = null;
  private last: [number, number] | null = null;
  private paintValue: 0 | 1 = 1;
  /** the mask before each stroke, Clear or Invert (most recent last) */
  private undoStack: Uint8Array[] = [];

  constructor(host: HTMLElement) {
    this.root = document.createElement('div');
    this.root.id = 'mask-editor';
    this.root.hidden = true;
    this.root.setAttribute('role', 'dialog');
    this.root.setAttribute('aria-label', 'mask editor');
    const box = document.createElement('div');
    box.className = 'mask-box';
    this.title = document.createElement('h2');
    this.view = document.createElement('canvas');
    this.view.className = 'mask-view';
    const tools = document.createElement('div');
    tools.className = 'mask-tools';
    const brushLabel = document.createElement('label');
    brushLabel.textContent = 'brush ';
    this.brush = document.createElement('input');
    this.brush.type = 'range';
    this.brush.id = 'mask-brush';
    this.brush.min = '1';
    brushLabel.append(this.brush);
    const eraseLabel = document.createElement('label');
    this.eraseToggle = document.createElement('input');
    this.eraseToggle.type = 'checkbox';
    this.eraseToggle.id = 'mask-erase';
    eraseLabel.append(this.eraseToggle, ' erase');
    const undo = button('Undo', 'mask-undo');
    const clear = button('Clear', 'mask-clear');
    const invert = button('Invert', 'mask-invert');
    const cancel = button('Cancel', 'mask-cancel');
    const save = button('Save', 'mask-save');
    save.className = 'primary';
    tools.append(brushLabel, eraseLabel, undo, clear, invert, cancel, save);
    const hint = document.createElement('p');
    hint.className = 'mask-hint';
    hint.textContent = 'Paint what to redraw (left button); the right button or erase clears. Saved as a copy whose painted pixels are transparent: Load Image gives them as MASK.';
    box.append(this.title, this.view, tools, hint);
    this.root.append(box);
    host.append(this.root);

    undo.addEventListener('click', () => this.undo());
    clear.addEventListener('click', () => this.edit((m) => m.data.fill(0)));
    invert.addEventListener('click', () => this.edit((m) => m.data.forEach((v, i) => (m.data[i] = v ? 0 : 1))));
    cancel.addEventListener('click', () => this.finish(null));
    save.addEventListener('click', () => void this.save());
    this.root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.finish(null);
      else if (e.key === 'Enter') void this.save();
      else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z') {
        e.preventDefault();
        this.undo();
      }
      e.stopPropagation(); // the canvas's shortcuts stay out of the dialog
    });
    this.view.addEventListener('contextmenu', (e) => e.preventDefault());
    this.view.addEventListener('pointerdown', (e) => this.down(e));
    this.view.addEventListener('pointermove', (e) => this.move(e));
    for (const end of ['pointerup', 'pointercancel', 'pointerleave'] as const) this.view.addEventListener(end, () => (this.last = null));
  }

  get isOpen(): boolean {
    return !this.root.hidden;
  }

  /**
   * Shows the picture at `url` with the mask it already carries (its transparent pixels); resolves
   * with the masked picture as PNG on Save, or null on Cancel.
   */
  async open(url: string, name: string, sourceUrl?: string): Promise<Blob | null> {
    if (this.settle) this.finish(null);
    const masked = await loadImage(url);
    // a masked copy has lost the colours under its mask (a canvas keeps no colour where alpha is 0):
    // the picture it was made from gives them back, when it is the same size
    const source = sourceUrl ? await loadImage(sourceUrl).catch(() => null) : null;
    const { naturalWidth: W, naturalHeight: H } = masked;
    const img = source && source.naturalWidth === W && source.naturalHeight === H ? source : masked;
    this.image = img;
    for (const c of [this.pixels, this.marks]) {
      c.width = W;
      c.height = H;
    }
    const g = this.pixels.getContext('2d')!;
    g.drawImage(masked, 0, 0);
    this.mask = maskFromAlpha(g.getImageData(0, 0, W, H).data, W, H);
    g.clearRect(0, 0, W, H);
    g.drawImage(img, 0, 0);
    this.undoStack = [];
    const scale = VIEW / Math.max(W, H);
    this.view.width = Math.round(W * scale);
    this.view.height = Math.round(H * scale);
    this.brush.max = String(Math.max(2, Math.ceil(Math.max(W, H) / 4)));
    this.brush.value = String(defaultBrush(W, H));
    this.eraseToggle.checked = false;
    this.title.textContent = `Mask: ${name} (${W}×${H})`;
    this.root.hidden = false;
    this.render();
    this.root.tabIndex = -1;
    this.root.focus();
    return new Promise((resolve) => (this.settle = resolve));
  }

  /** The current mask (for tests and the console). */
  get current(): MaskGrid | null {
    return this.mask;
  }

  private finish(blob: Blob | null): void {
    this.root.hidden = true;
    const settle = this.settle;
    this.settle = null;
    this.last = null;
    settle?.(blob);
  }

  private async save(): Promise<void> {
    if (!this.image || !this.mask) return;
    const out = document.createElement('canvas');
    out.width = this.mask.width;
    out.height = this.mask.height;
    const g = out.getContext('2d')!;
    g.drawImage(this.image, 0, 0);
    const data = g.getImageData(0, 0, out.width, out.height);
    applyMaskToAlpha(data.data, this.mask);
    g.putImageData(data, 0, 0);
    const blob = await new Promise<Blob | null>((resolve) => out.toBlob(resolve, 'image/png'));
    this.finish(blob);
  }

  private edit(change: (m: MaskGrid) => void): void {
    if (!this.mask) return;
    this.remember();
    change(this.mask);
    this.render();
  }

  /** Keeps the mask as it is now, for Undo (at most 50 steps). */
  private remember(): void {
    if (!this.mask) return;
    this.undoStack.push(Uint8Array.from(this.mask.data));
    if (this.undoStack.length > 50) this.undoStack.shift();
  }

  private undo(): void {
    const previous = this.undoStack.pop();
    if (!previous || !this.mask) return;
    this.mask.data.set(previous);
    this.render();
  }

  /** Image pixel coordinates of a pointer event. */
  private at(e: PointerEvent): [number, number] {
    const r = this.view.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * this.mask!.width, ((e.clientY - r.top) / r.height) * this.mask!.height];
  }

  private down(e: PointerEvent): void {
    if (!this.mask) return;
    e.preventDefault();
    this.view.setPointerCapture?.(e.pointerId);
    this.paintValue = e.button === 2 || this.eraseToggle.checked ? 0 : 1;
    this.remember();
    this.last = this.at(e);
    this.stroke(this.last, this.last);
  }

  private move(e: PointerEvent): void {
    if (!this.last || !this.mask) return;
    const p = this.at(e);
    this.stroke(this.last, p);
    this.last = p;
  }

  private stroke(a: [number, number], b: [number, number]): void {
    paintStroke(this.mask!, a[0], a[1], b[0], b[1], Number(this.brush.value), this.paintValue);
    this.render();
  }

  private render(): void {
    if (!this.mask) return;
    const { width: W, height: H, data } = this.mask;
    const mg = this.marks.getContext('2d')!;
    const marks = mg.createImageData(W, H);
    for (let i = 0; i < data.length; i++) if (data[i]) marks.data.set(MARK, i * 4);
    mg.putImageData(marks, 0, 0);
    const g = this.view.getContext('2d')!;
    g.imageSmoothingEnabled = false;
    g.fillStyle = '#000';
    g.fillRect(0, 0, this.view.width, this.view.height);
    g.drawImage(this.pixels, 0, 0, this.view.width, this.view.height);
    g.drawImage(this.marks, 0, 0, this.view.width, this.view.height);
  }
}
