// Loads the images shown inside nodes (outputs from /api/view, progress previews as data URLs)
// once per URL and asks for a redraw when one arrives. A canvas draws only the first frame of an
// animated GIF / APNG / WebP, so files are decoded frame by frame with ImageDecoder (where the
// browser has it) and the current frame is picked by time; a ticking redraw keeps them moving.

export interface Drawable {
  source: CanvasImageSource;
  width: number;
  height: number;
}

interface Frame {
  bitmap: ImageBitmap;
  /** Milliseconds this frame is shown. */
  duration: number;
}

type Entry = { kind: 'loading' } | { kind: 'static'; img: HTMLImageElement } | { kind: 'animated'; frames: Frame[]; total: number } | { kind: 'failed' };

const MAX_ENTRIES = 64;
const MAX_FRAMES = 240;
const MIME_BY_EXT: Record<string, string> = { gif: 'image/gif', webp: 'image/webp', apng: 'image/apng', png: 'image/png' };

/** The frame shown `elapsedMs` into a looping animation (pure). */
export function frameAt(durations: number[], elapsedMs: number): number {
  const total = durations.reduce((a, b) => a + b, 0);
  if (!durations.length || total <= 0) return 0;
  let t = elapsedMs % total;
  for (let i = 0; i < durations.length; i++) {
    if (t < durations[i]) return i;
    t -= durations[i];
  }
  return durations.length - 1;
}

async function decodeFrames(url: string, mime: string): Promise<Frame[] | null> {
  if (typeof ImageDecoder === 'undefined' || !(await ImageDecoder.isTypeSupported(mime))) return null;
  const res = await fetch(url);
  if (!res.ok || !res.body) return null;
  const decoder = new ImageDecoder({ data: res.body, type: mime });
  try {
    await decoder.tracks.ready;
    const count = Math.min(decoder.tracks.selectedTrack?.frameCount ?? 1, MAX_FRAMES);
    if (count <= 1) return null;
    const frames: Frame[] = [];
    for (let i = 0; i < count; i++) {
      const { image } = await decoder.decode({ frameIndex: i });
      frames.push({ bitmap: await createImageBitmap(image), duration: Math.max(20, (image.duration ?? 100_000) / 1000) });
      image.close();
    }
    return frames;
  } finally {
    decoder.close();
  }
}

export class ImageCache {
  private readonly entries = new Map<string, Entry>();
  private animatedCount = 0;
  private ticker: number | null = null;
  private readonly started = performance.now();

  constructor(private readonly redraw: () => void) {}

  /** What to draw for `url` now (null while loading); `filename` tells the type of /view URLs. */
  get(url: string, filename = ''): Drawable | null {
    const entry = this.entries.get(url);
    if (!entry) {
      this.load(url, filename);
      return null;
    }
    switch (entry.kind) {
      case 'static':
        return { source: entry.img, width: entry.img.naturalWidth, height: entry.img.naturalHeight };
      case 'animated': {
        const i = frameAt(entry.frames.map((f) => f.duration), performance.now() - this.started);
        const { bitmap } = entry.frames[i];
        return { source: bitmap, width: bitmap.width, height: bitmap.height };
      }
      default:
        return null;
    }
  }

  private load(url: string, filename: string): void {
    this.entries.set(url, { kind: 'loading' });
    this.evict();
    const ext = filename.split('.').pop()?.toLowerCase() ?? '';
    const mime = MIME_BY_EXT[ext];
    const loadStatic = (): void => {
      const img = new Image();
      img.onload = () => {
        this.entries.set(url, { kind: 'static', img });
        this.redraw();
      };
      img.onerror = () => this.entries.set(url, { kind: 'failed' });
      img.src = url;
    };
    if (!mime || url.startsWith('data:')) return loadStatic();
    decodeFrames(url, mime)
      .then((frames) => {
        if (!frames) return loadStatic();
        this.entries.set(url, { kind: 'animated', frames, total: frames.reduce((a, f) => a + f.duration, 0) });
        this.animatedCount++;
        this.updateTicker();
        this.redraw();
      })
      .catch(loadStatic);
  }

  private evict(): void {
    while (this.entries.size > MAX_ENTRIES) {
      const [oldest, entry] = this.entries.entries().next().value as [string, Entry];
      if (entry.kind === 'animated') {
        entry.frames.forEach((f) => f.bitmap.close());
        this.animatedCount--;
      }
      this.entries.delete(oldest);
    }
    this.updateTicker();
  }

  /** Animations advance only when the canvas redraws: ask for about 20 redraws a second. */
  private updateTicker(): void {
    if (this.animatedCount > 0 && this.ticker === null) {
      this.ticker = window.setInterval(() => this.redraw(), 50);
    } else if (this.animatedCount === 0 && this.ticker !== null) {
      window.clearInterval(this.ticker);
      this.ticker = null;
    }
  }
}
