// Image and video values that flow between nodes and models: plain host arrays, no tensors,
// so that they can be cached, serialised and handed across workers.

/** A batch of RGB images, values in [0, 1], layout [B, H, W, C] (ComfyUI's IMAGE layout). */
export interface ImageBatch {
  batch: number;
  height: number;
  width: number;
  channels: 3;
  data: Float32Array;
}

/** A batch of RGB videos, values in [0, 1], layout [B, T, H, W, C]; fps for saving. */
export interface VideoBatch {
  batch: number;
  frames: number;
  height: number;
  width: number;
  channels: 3;
  fps: number;
  data: Float32Array;
}

/**
 * A batch of masks, values in [0, 1], layout [B, H, W] (ComfyUI's MASK layout). 1 marks the area to
 * change (inpaint), 0 the area to keep.
 */
export interface MaskBatch {
  batch: number;
  height: number;
  width: number;
  data: Float32Array;
}

/**
 * Values one new image or mask batch may hold (2^29 floats, 2 GiB; as a decoded clip). Node inputs
 * within their ranges can ask for far more (Image Scale to 8192×8192 of a batch of 40 is 32 GB,
 * which the engine would accept and then the machine run out of memory filling), so such a batch
 * is refused, naming its shape, before it is allocated.
 */
export const MAX_BATCH_VALUES = 2 ** 29;

function allocate(n: number, shape: string, what: string): Float32Array {
  if (n > MAX_BATCH_VALUES) {
    throw new Error(`${what} of ${shape} would hold ${n} values, more than the ${MAX_BATCH_VALUES} (2 GiB) one batch may: use a smaller size or batch`);
  }
  return new Float32Array(n);
}

export function maskBatch(batch: number, height: number, width: number, data?: Float32Array): MaskBatch {
  const n = batch * height * width;
  if (data && data.length !== n) throw new Error(`mask data has ${data.length} values, expected [${batch}, ${height}, ${width}] = ${n}`);
  return { batch, height, width, data: data ?? allocate(n, `${batch} × ${width}×${height}`, 'a mask batch') };
}

export function imageBatch(batch: number, height: number, width: number, data?: Float32Array): ImageBatch {
  const n = batch * height * width * 3;
  if (data && data.length !== n) {
    throw new Error(`image data has ${data.length} values, expected [${batch}, ${height}, ${width}, 3] = ${n}`);
  }
  return { batch, height, width, channels: 3, data: data ?? allocate(n, `${batch} × ${width}×${height}`, 'an image batch') };
}

/** Image i of a batch as its own batch of one (a view, not a copy). */
export function imageAt(images: ImageBatch, i: number): ImageBatch {
  const size = images.height * images.width * 3;
  return imageBatch(1, images.height, images.width, images.data.subarray(i * size, (i + 1) * size));
}

/** Frames of video i as an image batch (a view, not a copy). */
export function videoFrames(video: VideoBatch, i: number): ImageBatch {
  const size = video.frames * video.height * video.width * 3;
  return imageBatch(video.frames, video.height, video.width, video.data.subarray(i * size, (i + 1) * size));
}
