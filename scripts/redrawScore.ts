// How well made pixels match the original picture, pixel by pixel, as the inpainting and
// video-continuation evaluations score them:
//   redrawn  share of the original's object pixels (not background) drawn within 0.2 of their colour
//   clean    share of the original's background pixels left background (within 0.1)
//   mse      mean squared error over the pixels added
import { BACKGROUND } from '../models/data/shapesSpec';

export interface RedrawScore {
  redrawn: number;
  clean: number;
  mse: number;
}

const BG = BACKGROUND.map((v) => v / 255);

export class RedrawTally {
  private obj = 0;
  private objHit = 0;
  private back = 0;
  private backClean = 0;
  private se = 0;
  private n = 0;

  /** Adds the RGB pixel at value offset `o` of `made` against the same one of `orig`. */
  add(made: ArrayLike<number>, orig: ArrayLike<number>, o: number): void {
    const near = (ref: ArrayLike<number>, off: number, tol: number) => [0, 1, 2].every((c) => Math.abs(made[o + c] - ref[off + c]) <= tol);
    if ([0, 1, 2].some((c) => Math.abs(orig[o + c] - BG[c]) > 0.15)) {
      this.obj++;
      if (near(orig, o, 0.2)) this.objHit++;
    } else {
      this.back++;
      if (near(BG, 0, 0.1)) this.backClean++;
    }
    for (let c = 0; c < 3; c++) this.se += (made[o + c] - orig[o + c]) ** 2;
    this.n += 3;
  }

  score(): RedrawScore {
    return { redrawn: this.objHit / Math.max(1, this.obj), clean: this.backClean / Math.max(1, this.back), mse: this.se / Math.max(1, this.n) };
  }
}
