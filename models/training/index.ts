// Training: data sources, the NAR/raster-AR training loop, checkpoints, tokenizer training with the
// same progress events, and the Shapes setups of the bundled models.
export * from './types';
export { trainNar, type TrainNarOptions, type TrainNarResult } from './trainNar';
export { pendingWeightsFor, readTrainingCheckpoint, writeTrainingCheckpoint, type CommitStage, type TrainingCheckpoint, type TrainingState } from './checkpointFiles';
export { CaptionFeatureCache, type CaptionFeatures } from './sources/captionCache';
export { shapesClassSource, shapesCaptionSource, shapesVideoSource, flattenNested } from './sources/shapesSources';
export type { ShapesSourceOptions, ShapesTextSourceOptions, ShapesVideoSourceOptions } from './sources/shapesSources';
export { codeFileSource, type CodeFileSourceOptions } from './sources/codeFileSource';
export { BUNDLED_SIZE, SHAPES_CAPTION_POSITIONS, SHAPES_KINDS, headsForSeed, parseKind, shapesModelConfig, shapesSource, type ModelSize, type ShapesKind, type ShapesSourceRequest } from './shapesRecipes';
export { trainShapesModel, type ShapesRunOptions, type ShapesRunResult } from './shapesRun';
export { checkResumedModel, defaultLr, DEFAULT_RUN, kindOfConfig, newRunSettings, resumedRunSettings, type AskedSettings, type LrSettings, type RunSettings } from './runSettings';
export { tokenizerProgress } from './tokenizerProgress';
export { stagedSchedule, stagedSteps, type LrStage } from './stagedSchedule';
