// The shipped NAR workflows, stated once in the API form with a tidy layout; generate.ts turns them
// into the editor-form files in workflows/. Nodes that show pictures (samplers, savers, trainers)
// have ~300 px free below them, since the editor grows them to fit the picture.
import { NUM_IMAGE_CLASSES } from '../../models/data/shapesSpec';
import type { ApiInputValue, ApiWorkflow } from '../../server/engine/workflow/schema';

export interface LaidOutNode {
  type: string;
  title?: string;
  inputs: Record<string, ApiInputValue>;
  pos: [number, number];
  size: [number, number];
}

export type WorkflowSpec = Record<string, LaidOutNode>;

const COL = [40, 400, 780, 1160, 1540];
const LOADER: [number, number] = [320, 82];
const SAMPLER: [number, number] = [340, 400];
const DECODE: [number, number] = [300, 110];
const SAVE: [number, number] = [320, 300];

const sampling = (seed: number, cfg: number, extra: Record<string, ApiInputValue> = {}): Record<string, ApiInputValue> => ({
  seed_position: 'auto',
  cfg,
  cfg_interval: -1,
  temperature: 1,
  top_k: 0,
  top_p: 1,
  greedy: false,
  seed,
  batch: 1,
  engine: 'auto',
  preview: 'decoded',
  ...extra,
});

const loadModel = (name: string, y: number, x = COL[0], title?: string): LaidOutNode => ({ type: 'LoadNARModel', inputs: { model_name: name }, pos: [x, y], size: LOADER, ...(title ? { title } : {}) });
const loadTokenizer = (y: number, x = COL[0]): LaidOutNode => ({ type: 'LoadTokenizer', inputs: { tokenizer_name: 'shapes-vq.safetensors' }, pos: [x, y], size: LOADER });

export const TEXT_TO_IMAGE: WorkflowSpec = {
  '1': loadModel('shapes-t2i.safetensors', 40),
  '2': { type: 'LoadTextEncoder', inputs: { encoder_name: 'shapes-text.safetensors' }, pos: [COL[0], 170], size: LOADER },
  '3': loadTokenizer(300),
  '4': { type: 'TextEncode', inputs: { text_encoder: ['2', 0], prompt: 'a red circle at the top left' }, pos: [COL[1], 170], size: [340, 160] },
  '5': { type: 'NARSampler', inputs: { model: ['1', 0], conditioning: ['4', 0], tokenizer: ['3', 0], ...sampling(0, 3) }, pos: [COL[2], 40], size: SAMPLER },
  '6': { type: 'TokenizerDecode', inputs: { tokenizer: ['3', 0], tokens: ['5', 0], fps: 8 }, pos: [COL[3], 40], size: DECODE },
  '7': { type: 'SaveImage', inputs: { images: ['6', 0], filename_prefix: 'text-to-image' }, pos: [COL[4], 40], size: SAVE },
};

export const CLASS_TO_IMAGE: WorkflowSpec = {
  '1': loadModel('shapes-c2i.safetensors', 40),
  '2': loadTokenizer(300),
  '3': { type: 'ClassLabel', inputs: { label: 'all Shapes image classes', class_ids: '0' }, pos: [COL[0], 170], size: [320, 82] },
  '4': { type: 'NARSampler', inputs: { model: ['1', 0], conditioning: ['3', 0], tokenizer: ['2', 0], ...sampling(0, 3) }, pos: [COL[1], 40], size: SAMPLER },
  '5': { type: 'TokenizerDecode', inputs: { tokenizer: ['2', 0], tokens: ['4', 0], fps: 8 }, pos: [COL[2], 40], size: DECODE },
  '6': { type: 'SaveImage', inputs: { images: ['5', 0], filename_prefix: 'class-to-image' }, pos: [COL[3], 40], size: SAVE },
  '7': { type: 'ImageGrid', inputs: { images: ['5', 0], columns: 6, gap: 2, scale: 4, background: '#101010' }, pos: [COL[2], 220], size: [300, 180] },
  '8': { type: 'SaveImage', title: 'Save the grid', inputs: { images: ['7', 0], filename_prefix: 'class-to-image-grid' }, pos: [COL[4], 40], size: SAVE },
};

export const VIDEO: WorkflowSpec = {
  '1': loadModel('shapes-video.safetensors', 40),
  '2': loadTokenizer(300),
  '3': { type: 'ClassLabel', inputs: { label: 'all Shapes video classes', class_ids: '0' }, pos: [COL[0], 170], size: [320, 82] },
  '4': { type: 'NARSampler', inputs: { model: ['1', 0], conditioning: ['3', 0], tokenizer: ['2', 0], ...sampling(0, 1.25) }, pos: [COL[1], 40], size: SAMPLER },
  '5': { type: 'TokenizerDecode', inputs: { tokenizer: ['2', 0], tokens: ['4', 0], fps: 4 }, pos: [COL[2], 40], size: DECODE },
  '6': { type: 'SaveVideo', inputs: { videos: ['5', 1], filename_prefix: 'video', format: 'gif', scale: 4 }, pos: [COL[3], 40], size: SAVE },
  '7': { type: 'SaveImage', title: 'Save film strips', inputs: { images: ['5', 0], filename_prefix: 'video-strip' }, pos: [COL[3], 640], size: SAVE },
};

export const TRAIN_TOKENIZER: WorkflowSpec = {
  '1': {
    type: 'TrainTokenizer',
    inputs: {
      output_name: 'my-shapes-vq',
      data: 'shapes images + video frames',
      folder: '',
      image_size: 32,
      patch_size: 4,
      codebook_size: 512,
      warmup_steps: 100,
      steps: 400,
      batch: 16,
      lr: 0.002,
      seed: 0,
      checkpoint_every: 100,
      preview_every: 50,
    },
    pos: [COL[0], 40],
    size: [340, 420],
  },
  '2': { type: 'ShapesData', title: 'Held-out Shapes images', inputs: { count: 8, seed: 12345, size: 32, objects: 'mixed', frames: 4 }, pos: [COL[0], 800], size: [320, 170] },
  '3': { type: 'TokenizerEncode', inputs: { tokenizer: ['1', 0], images: ['2', 0] }, pos: [COL[1], 40], size: DECODE },
  '4': { type: 'TokenizerDecode', inputs: { tokenizer: ['1', 0], tokens: ['3', 0], fps: 8 }, pos: [COL[2], 40], size: DECODE },
  '5': { type: 'SaveImage', title: 'Reconstructions', inputs: { images: ['4', 0], filename_prefix: 'tokenizer-roundtrip' }, pos: [COL[3], 40], size: SAVE },
  '6': { type: 'SaveImage', title: 'Originals', inputs: { images: ['2', 0], filename_prefix: 'tokenizer-originals' }, pos: [COL[3], 640], size: SAVE },
};

export const TRAIN_NAR: WorkflowSpec = {
  '1': loadTokenizer(40),
  '2': {
    type: 'TrainNAR',
    inputs: {
      tokenizer: ['1', 0],
      kind: 'c2i',
      output_name: 'my-shapes-c2i',
      if_exists: 'resume',
      steps: 300,
      batch: 16,
      lr: 0.001,
      seed: 0,
      checkpoint_every: 50,
      preview_every: 50,
      dim: 128,
      layers: 3,
      heads: 4,
      frames: 4,
      codes: '',
    },
    pos: [COL[1], 40],
    size: [340, 500],
  },
  '3': { type: 'ClassLabel', inputs: { label: 'all Shapes image classes', class_ids: '0' }, pos: [COL[0], 170], size: [320, 82] },
  '4': { type: 'NARSampler', inputs: { model: ['2', 0], conditioning: ['3', 0], tokenizer: ['1', 0], ...sampling(0, 3) }, pos: [COL[2], 40], size: SAMPLER },
  '5': { type: 'TokenizerDecode', inputs: { tokenizer: ['1', 0], tokens: ['4', 0], fps: 8 }, pos: [COL[3], 40], size: DECODE },
  '6': { type: 'SaveImage', inputs: { images: ['5', 0], filename_prefix: 'train-nar' }, pos: [COL[4], 40], size: SAVE },
};

const RASTER_Y = 760;
const CENTER_Y = 1480;
export const NAR_VS_RASTER: WorkflowSpec = {
  '1': { type: 'ClassLabel', inputs: { label: 'red circle', class_ids: '0' }, pos: [COL[0], 40], size: [320, 82] },
  '2': loadModel('shapes-c2i.safetensors', 170, COL[0], 'NAR model (from the corner)'),
  '3': loadModel('shapes-raster-c2i.safetensors', RASTER_Y, COL[0], 'Raster-AR model (same size, same data)'),
  '4': loadTokenizer(300),
  '5': { type: 'NARSampler', title: 'NAR sampler (one ring per pass)', inputs: { model: ['2', 0], conditioning: ['1', 0], tokenizer: ['4', 0], ...sampling(0, 3, { batch: 4 }) }, pos: [COL[1], 40], size: SAMPLER },
  '6': { type: 'NARSampler', title: 'Raster-AR sampler (one token per pass)', inputs: { model: ['3', 0], conditioning: ['1', 0], tokenizer: ['4', 0], ...sampling(0, 3, { batch: 4 }) }, pos: [COL[1], RASTER_Y], size: SAMPLER },
  '7': { type: 'TokenizerDecode', inputs: { tokenizer: ['4', 0], tokens: ['5', 0], fps: 8 }, pos: [COL[2], 40], size: DECODE },
  '8': { type: 'TokenizerDecode', inputs: { tokenizer: ['4', 0], tokens: ['6', 0], fps: 8 }, pos: [COL[2], RASTER_Y], size: DECODE },
  '9': { type: 'SaveImage', title: 'NAR samples', inputs: { images: ['7', 0], filename_prefix: 'nar-vs-raster/nar' }, pos: [COL[3], 40], size: SAVE },
  '10': { type: 'SaveImage', title: 'Raster-AR samples', inputs: { images: ['8', 0], filename_prefix: 'nar-vs-raster/raster' }, pos: [COL[3], RASTER_Y], size: SAVE },
  '11': loadModel('shapes-c2i-center.safetensors', CENTER_Y, COL[0], 'NAR model trained from the centre (4 heads)'),
  '12': { type: 'NARSampler', title: 'NAR sampler from the centre (seed auto)', inputs: { model: ['11', 0], conditioning: ['1', 0], tokenizer: ['4', 0], ...sampling(0, 3, { batch: 4 }) }, pos: [COL[1], CENTER_Y], size: SAMPLER },
  '13': { type: 'TokenizerDecode', inputs: { tokenizer: ['4', 0], tokens: ['12', 0], fps: 8 }, pos: [COL[2], CENTER_Y], size: DECODE },
  '14': { type: 'SaveImage', title: 'NAR samples from the centre', inputs: { images: ['13', 0], filename_prefix: 'nar-vs-raster/nar-center' }, pos: [COL[3], CENTER_Y], size: SAVE },
};

/** The bundled class-to-image models (NAR from the corner, raster AR, NAR from the centre) over every Shapes class, each scored by FID-shapes and ShapeEval. */
const PER_CLASS = 8;
const evaluateShapes = (title: string, images: string, y: number): LaidOutNode => ({
  type: 'EvaluateImages',
  title,
  inputs: {
    images: [images, 0],
    generated_folder: '',
    reference: 'shapes generator',
    reference_folder: '',
    reference_count: 2000,
    reference_seed: 1234,
    shapes_size: 32,
    shapes_objects: '1',
    extractor: 'shapes (built-in)',
    inception_onnx: '',
    prompts: '',
    batch_size: 64,
    is_splits: 10,
    k: 3,
  },
  pos: [COL[3], y],
  size: [360, 440],
});
/** The class of every sampled image: the sampler gives PER_CLASS samples of class 0, then of class 1, … */
const SAMPLED_CLASSES = Array.from({ length: NUM_IMAGE_CLASSES }, (_, c) => Array<number>(PER_CLASS).fill(c).join(',')).join(',');
const shapeEvalNode = (title: string, images: string, y: number): LaidOutNode => ({
  type: 'ShapeEval',
  title,
  inputs: { images: [images, 0], prompts: '', class_labels: SAMPLED_CLASSES },
  pos: [COL[4], y],
  size: [340, 130],
});
export const COMPARE_NAR_RASTER: WorkflowSpec = {
  '1': { type: 'ClassLabel', inputs: { label: 'all Shapes image classes', class_ids: '0' }, pos: [COL[0], 40], size: [320, 82] },
  '2': loadModel('shapes-c2i.safetensors', 170, COL[0], 'NAR model'),
  '3': loadModel('shapes-raster-c2i.safetensors', RASTER_Y, COL[0], 'Raster-AR model (same size, same data)'),
  '4': loadTokenizer(300),
  '5': { type: 'NARSampler', title: `NAR sampler (${PER_CLASS} per class)`, inputs: { model: ['2', 0], conditioning: ['1', 0], tokenizer: ['4', 0], ...sampling(0, 2, { batch: PER_CLASS }) }, pos: [COL[1], 40], size: SAMPLER },
  '6': { type: 'NARSampler', title: `Raster-AR sampler (${PER_CLASS} per class)`, inputs: { model: ['3', 0], conditioning: ['1', 0], tokenizer: ['4', 0], ...sampling(0, 2, { batch: PER_CLASS }) }, pos: [COL[1], RASTER_Y], size: SAMPLER },
  '7': { type: 'TokenizerDecode', inputs: { tokenizer: ['4', 0], tokens: ['5', 0], fps: 8 }, pos: [COL[2], 40], size: DECODE },
  '8': { type: 'TokenizerDecode', inputs: { tokenizer: ['4', 0], tokens: ['6', 0], fps: 8 }, pos: [COL[2], RASTER_Y], size: DECODE },
  '9': evaluateShapes('FID-shapes: NAR', '7', 40),
  '10': evaluateShapes('FID-shapes: raster AR', '8', RASTER_Y),
  '11': shapeEvalNode('ShapeEval: NAR', '7', 40),
  '12': shapeEvalNode('ShapeEval: raster AR', '8', RASTER_Y),
  '13': loadModel('shapes-c2i-center.safetensors', CENTER_Y, COL[0], 'NAR model trained from the centre (4 heads)'),
  '14': { type: 'NARSampler', title: `NAR sampler from the centre (${PER_CLASS} per class)`, inputs: { model: ['13', 0], conditioning: ['1', 0], tokenizer: ['4', 0], ...sampling(0, 2, { batch: PER_CLASS }) }, pos: [COL[1], CENTER_Y], size: SAMPLER },
  '15': { type: 'TokenizerDecode', inputs: { tokenizer: ['4', 0], tokens: ['14', 0], fps: 8 }, pos: [COL[2], CENTER_Y], size: DECODE },
  '16': evaluateShapes('FID-shapes: NAR from the centre', '15', CENTER_Y),
  '17': shapeEvalNode('ShapeEval: NAR from the centre', '15', CENTER_Y),
};

/**
 * Inpainting and outpainting one Shapes image (a green circle at the top): the centre-trained model
 * keeps the image's centre and grows the border out of it; the corner model keeps the left half and
 * redraws the right. The decoded tokens go back over the original pixels through the mask; each
 * grid shows the original, then the four results.
 */
const INPAINT_Y = 760;
export const INPAINT: WorkflowSpec = {
  '1': { type: 'ShapesData', title: 'The picture (or Load Image + Scale Image to 32×32)', inputs: { count: 1, seed: 40, size: 32, objects: '1', frames: 2 }, pos: [COL[0], 40], size: [320, 170] },
  '2': loadTokenizer(260),
  '3': { type: 'ClassLabel', inputs: { label: 'green circle', class_ids: '0' }, pos: [COL[0], 390], size: [320, 82] },
  '4': { type: 'TokenizerEncode', inputs: { tokenizer: ['2', 0], images: ['1', 0] }, pos: [COL[0], 520], size: DECODE },
  '5': loadModel('shapes-c2i-center.safetensors', 40, COL[1], 'NAR model trained from the centre (4 heads)'),
  '6': { type: 'RectangleMask', title: 'Keep the centre, regenerate the border', inputs: { width: 32, height: 32, x: 8, y: 8, w: 16, h: 16, invert: true }, pos: [COL[1], 170], size: [320, 250] },
  '7': { type: 'NARSampler', title: 'Outpaint from the centre (seed auto)', inputs: { model: ['5', 0], conditioning: ['3', 0], tokenizer: ['2', 0], init_tokens: ['4', 0], mask: ['6', 0], ...sampling(0, 2, { batch: 4 }) }, pos: [COL[2], 40], size: SAMPLER },
  '8': { type: 'TokenizerDecode', inputs: { tokenizer: ['2', 0], tokens: ['7', 0], fps: 8 }, pos: [COL[3], 40], size: DECODE },
  '9': { type: 'ImageCompositeMasked', title: 'Original pixels where kept', inputs: { destination: ['1', 0], source: ['8', 0], mask: ['6', 0] }, pos: [COL[3], 200], size: [300, 110] },
  '10': { type: 'ImageGrid', title: 'The original, then the results', inputs: { images: ['22', 0], columns: 5, gap: 2, scale: 4, background: '#101010' }, pos: [COL[3], 480], size: [300, 180] },
  '11': { type: 'SaveImage', title: 'Outpainted', inputs: { images: ['10', 0], filename_prefix: 'inpaint/outpainted' }, pos: [COL[4], 40], size: SAVE },
  '12': loadModel('shapes-c2i.safetensors', INPAINT_Y, COL[1], 'NAR model (from the corner)'),
  '13': { type: 'RectangleMask', title: 'Regenerate the right half', inputs: { width: 32, height: 32, x: 16, y: 0, w: 16, h: 32, invert: false }, pos: [COL[1], INPAINT_Y + 130], size: [320, 250] },
  '14': { type: 'NARSampler', title: 'Inpaint from the corner', inputs: { model: ['12', 0], conditioning: ['3', 0], tokenizer: ['2', 0], init_tokens: ['4', 0], mask: ['13', 0], ...sampling(0, 2, { batch: 4 }) }, pos: [COL[2], INPAINT_Y], size: SAMPLER },
  '15': { type: 'TokenizerDecode', inputs: { tokenizer: ['2', 0], tokens: ['14', 0], fps: 8 }, pos: [COL[3], INPAINT_Y], size: DECODE },
  '16': { type: 'ImageCompositeMasked', title: 'Original pixels where kept', inputs: { destination: ['1', 0], source: ['15', 0], mask: ['13', 0] }, pos: [COL[3], INPAINT_Y + 160], size: [300, 110] },
  '17': { type: 'ImageGrid', title: 'The original, then the results', inputs: { images: ['23', 0], columns: 5, gap: 2, scale: 4, background: '#101010' }, pos: [COL[3], INPAINT_Y + 440], size: [300, 180] },
  '18': { type: 'SaveImage', title: 'Inpainted', inputs: { images: ['17', 0], filename_prefix: 'inpaint/inpainted' }, pos: [COL[4], INPAINT_Y], size: SAVE },
  '19': { type: 'ImageScale', inputs: { image: ['1', 0], method: 'nearest', width: 128, height: 128 }, pos: [COL[0], 680], size: [320, 150] },
  '20': { type: 'PreviewImage', title: 'The original', inputs: { images: ['19', 0] }, pos: [COL[0], 880], size: [320, 300] },
  '22': { type: 'ImageBatch', inputs: { image1: ['1', 0], image2: ['9', 0] }, pos: [COL[3], 340], size: [300, 100] },
  '23': { type: 'ImageBatch', inputs: { image1: ['1', 0], image2: ['16', 0] }, pos: [COL[3], INPAINT_Y + 300], size: [300, 100] },
  '21': {
    type: 'Note',
    inputs: {
      text:
        'Your own picture: replace Shapes Data by Load Image (and Scale Image to 32×32 for the bundled models). Press "edit mask" on Load Image, ' +
        "paint what to redraw, Save, and link Load Image's MASK to the samplers' mask instead of the rectangles. " +
        'Growing from the centre, the centre-trained model sees the kept middle before every border token; the corner model sees only what is above and left.',
    },
    pos: [COL[0], 1520],
    size: [700, 150],
  },
};

export const IMAGE_TO_VIDEO: WorkflowSpec = {
  '1': { type: 'ShapesData', title: 'A held-out clip (or Load Video / Load Image)', inputs: { count: 1, seed: 24, size: 32, objects: '1', frames: 4 }, pos: [COL[0], 40], size: [320, 170] },
  '2': loadTokenizer(260),
  '3': { type: 'ClassLabel', title: 'Its class: shape and direction', inputs: { label: 'circle moving right', class_ids: '0' }, pos: [COL[0], 390], size: [320, 82] },
  '4': { type: 'VideoFrames', title: 'Its first frame', inputs: { video: ['1', 1], start: 0, count: 1 }, pos: [COL[0], 520], size: [320, 110] },
  '5': { type: 'TokenizerEncode', inputs: { tokenizer: ['2', 0], images: ['4', 0] }, pos: [COL[0], 680], size: DECODE },
  '6': loadModel('shapes-video.safetensors', 40, COL[1]),
  '7': { type: 'NARSampler', title: 'Animate the first frame', inputs: { model: ['6', 0], conditioning: ['3', 0], tokenizer: ['2', 0], init_tokens: ['5', 0], ...sampling(0, 1.25, { batch: 4 }) }, pos: [COL[1], 170], size: SAMPLER },
  '8': { type: 'TokenizerDecode', inputs: { tokenizer: ['2', 0], tokens: ['7', 0], fps: 4 }, pos: [COL[2], 40], size: DECODE },
  '9': { type: 'SaveVideo', title: 'Clips made from the first frame', inputs: { videos: ['8', 1], filename_prefix: 'image-to-video/animated', format: 'gif', scale: 4 }, pos: [COL[3], 40], size: SAVE },
  '10': { type: 'TokenizerEncode', title: 'The clip, through the tokenizer', inputs: { tokenizer: ['2', 0], videos: ['1', 1] }, pos: [COL[2], 620], size: DECODE },
  '11': { type: 'TokenizerDecode', inputs: { tokenizer: ['2', 0], tokens: ['10', 0], fps: 4 }, pos: [COL[2], 770], size: DECODE },
  '12': { type: 'ImageBatch', inputs: { image1: ['11', 0], image2: ['8', 0] }, pos: [COL[2], 920], size: [300, 100] },
  '13': { type: 'ImageGrid', title: 'The clip, then the four made from its first frame', inputs: { images: ['12', 0], columns: 1, gap: 2, scale: 4, background: '#101010' }, pos: [COL[2], 1060], size: [300, 180] },
  '14': { type: 'SaveImage', title: 'Film strips', inputs: { images: ['13', 0], filename_prefix: 'image-to-video/strips' }, pos: [COL[3], 920], size: SAVE },
  '15': {
    type: 'Note',
    inputs: {
      text:
        "Image-to-video: the sampler keeps the picture's tokens as the first frame and makes the others from them and the class. " +
        "Your own picture: Load Image (32×32 for the bundled models; Scale Image) into Tokenizer Encode's images. " +
        "Your own clip: Load Video, then Video Frames with count = the frames to keep, into Tokenizer Encode's videos: the sampler continues it. " +
        'The bundled video model carries an object on best when it moves right or down, away from the corner it grows from (README, Image-to-video).',
    },
    pos: [COL[0], 1300],
    size: [700, 150],
  },
};

/** File name (without .json) → spec. */
/**
 * The published ImageNet model (NAR-B, 256×256 from 16×16 tokens) with LlamaGen's VQ-16, as the
 * published sample script draws it: its eight classes, cfg 4, top-k 2000, a grid four wide. The
 * files are not bundled: the workflow's `models` list (WORKFLOW_MODELS) says where to get them, and
 * the editor's missing-files notice shows the links until they are in weights/.
 */
export const IMAGENET_NAR_B: WorkflowSpec = {
  '1': loadModel('c2i_B.pt', 40), // the loaders have room below for the missing-file line
  '2': { type: 'LoadTokenizer', inputs: { tokenizer_name: 'vq_ds16_c2i.pt' }, pos: [COL[0], 210], size: LOADER },
  '3': { type: 'ClassLabel', title: 'ImageNet classes', inputs: { label: 'by id', class_ids: '207, 360, 387, 974, 88, 979, 417, 279' }, pos: [COL[0], 380], size: [320, 82] },
  '4': { type: 'NARSampler', inputs: { model: ['1', 0], conditioning: ['3', 0], tokenizer: ['2', 0], ...sampling(0, 4, { top_k: 2000 }) }, pos: [COL[1], 40], size: SAMPLER },
  '5': { type: 'TokenizerDecode', inputs: { tokenizer: ['2', 0], tokens: ['4', 0], fps: 8 }, pos: [COL[2], 40], size: DECODE },
  '6': { type: 'ImageGrid', inputs: { images: ['5', 0], columns: 4, gap: 2, scale: 1, background: '#101010' }, pos: [COL[2], 220], size: [300, 180] },
  '7': { type: 'SaveImage', inputs: { images: ['6', 0], filename_prefix: 'imagenet-nar-b' }, pos: [COL[3], 40], size: SAVE },
  '8': {
    type: 'Note',
    inputs: {
      text:
        'The published NAR-B (ImageNet, 256×256) with the LlamaGen VQ-16 tokenizer. Put c2i_B.pt (from the NAR collection) in weights/nar/ and ' +
        'vq_ds16_c2i.pt in weights/tokenizer/, then press R. class_ids are ImageNet ids (207 golden retriever, 88 macaw …); the settings are those of the published sample script.',
    },
    pos: [COL[0], 510],
    size: [320, 160],
  },
};

export const WORKFLOW_SPECS: Record<string, WorkflowSpec> = {
  'text-to-image': TEXT_TO_IMAGE,
  'class-to-image': CLASS_TO_IMAGE,
  video: VIDEO,
  'train-tokenizer': TRAIN_TOKENIZER,
  'train-nar': TRAIN_NAR,
  'nar-vs-raster': NAR_VS_RASTER,
  'compare-nar-raster': COMPARE_NAR_RASTER,
  inpaint: INPAINT,
  'image-to-video': IMAGE_TO_VIDEO,
  'imagenet-nar-b': IMAGENET_NAR_B,
};

/** Where a workflow's files come from when they are not bundled (ComfyUI's `models` list: name, url, directory). */
export const WORKFLOW_MODELS: Partial<Record<keyof typeof WORKFLOW_SPECS, { name: string; url: string; directory: string }[]>> = {
  'imagenet-nar-b': [
    { name: 'c2i_B.pt', url: 'https://huggingface.co/collections/chenfeng1271/nar-67d13fa93fe913b2e187ee1f', directory: 'nar' },
    { name: 'vq_ds16_c2i.pt', url: 'https://huggingface.co/FoundationVision/LlamaGen/resolve/main/vq_ds16_c2i.pt', directory: 'tokenizer' },
  ],
};

/** One line per workflow: what the editor's Templates list says of it (the file's extra.description). */
export const WORKFLOW_DESCRIPTIONS: Record<keyof typeof WORKFLOW_SPECS, string> = {
  'text-to-image': 'the default: a caption through the text encoder and the NAR sampler to a picture',
  'class-to-image': 'all 18 Shapes classes, saved one by one and as one grid',
  video: 'the 12 Shapes motion classes as GIFs and film strips',
  'train-tokenizer': 'train a patch VQ tokenizer into weights/tokenizer/, with a live loss plot',
  'train-nar': 'train a NAR model into weights/nar/ and sample from it',
  'nar-vs-raster': 'one class drawn by NAR from the corner, NAR from the centre and raster AR',
  'compare-nar-raster': 'the three class-to-image models scored by FID-shapes and ShapeEval',
  inpaint: "outpaint a picture's kept centre and inpaint its right half",
  'image-to-video': "animate a held-out clip's first frame with the video model",
  'imagenet-nar-b': 'the published NAR-B ImageNet model with LlamaGen VQ-16 (download both: the links show when the template opens)',
};

/** Editor-only node types a spec may hold (kept out of the API form; generate.ts adds them to the editor form). */
export const EDITOR_ONLY = new Set(['Note']);

export function apiForm(spec: WorkflowSpec): ApiWorkflow {
  const out: ApiWorkflow = {};
  for (const [id, n] of Object.entries(spec)) {
    if (EDITOR_ONLY.has(n.type)) continue;
    out[id] = { class_type: n.type, inputs: { ...n.inputs }, ...(n.title ? { _meta: { title: n.title } } : {}) };
  }
  return out;
}
