// The mask editor's pixel work, free of the DOM: a mask of W×H bytes (1 = redraw), painted with
// round brush strokes, read from and written into an RGBA image's alpha (transparent = redraw,
// the convention Load Image's MASK output reads).

export interface MaskGrid {
  width: number;
  height: number;
  /** [H·W] 1 = marked (to redraw), 0 = kept */
  data: Uint8Array;
}

/** Marks (value 1) or clears (0) a disc of `radius` image pixels around (cx, cy). */
export function paintDisc(m: MaskGrid, cx: number, cy: number, radius: number, value: 0 | 1): void {
  const r = Math.max(0.5, radius);
  const y0 = Math.max(0, Math.floor(cy - r));
  const y1 = Math.min(m.height - 1, Math.ceil(cy + r));
  const x0 = Math.max(0, Math.floor(cx - r));
  const x1 = Math.min(m.width - 1, Math.ceil(cx + r));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r) m.data[y * m.width + x] = value;
    }
  }
}

/** A brush stroke from (ax, ay) to (bx, by): discs at most half a radius apart, so it has no gaps. */
export function paintStroke(m: MaskGrid, ax: number, ay: number, bx: number, by: number, radius: number, value: 0 | 1): void {
  const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / Math.max(0.5, radius / 2)));
  for (let i = 0; i <= steps; i++) paintDisc(m, ax + ((bx - ax) * i) / steps, ay + ((by - ay) * i) / steps, radius, value);
}

/** The mask an RGBA image already carries: marked where it is (mostly) transparent. */
export function maskFromAlpha(rgba: Uint8ClampedArray, width: number, height: number): MaskGrid {
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = rgba[i * 4 + 3] < 128 ? 1 : 0;
  return { width, height, data };
}

/** Writes the mask into the image's alpha: transparent where marked, opaque elsewhere. */
export function applyMaskToAlpha(rgba: Uint8ClampedArray, m: MaskGrid): void {
  for (let i = 0; i < m.data.length; i++) rgba[i * 4 + 3] = m.data[i] ? 0 : 255;
}

/** A brush radius that suits an image: a sixteenth of its shorter side, at least one pixel. */
export function defaultBrush(width: number, height: number): number {
  return Math.max(1, Math.round(Math.min(width, height) / 16));
}

/** "photo.jpg" → "photo.png", "masks/a b.png" → "a b.png": the file name a saved mask gets. */
export function maskFileName(inputName: string): string {
  const base = inputName.split('/').pop() ?? 'image';
  const dot = base.lastIndexOf('.');
  return `${dot > 0 ? base.slice(0, dot) : base}.png`;
}
