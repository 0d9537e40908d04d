// The files an output node's UI result names, for the CLI to print (local run) or download
// (remote run). A node may list files under any key (Save Image: `images`; Save Video as MP4:
// `videos`; a plugin: its own): every array whose entries are {filename, subfolder?, type?} is one.
import { uiFileLists, type UiFileRef } from '../api/protocol';
import type { UiResult } from '../engine/nodeApi';

export type { UiFileRef };

/** Every file a UI result lists, key by key in the order the node gave them. */
export function uiFiles(ui: UiResult): UiFileRef[] {
  return uiFileLists(ui).flatMap(([, files]) => files);
}

/**
 * The UI result's text lines, less those that only name one of its files by its path relative to
 * the output folder (Save Video's MP4 text): the CLI prints the file's real path instead.
 */
export function uiText(ui: UiResult): string[] {
  const named = new Set(uiFiles(ui).map((f) => (f.subfolder ? `${f.subfolder}/${f.filename}` : f.filename)));
  return (ui.text ?? []).filter((t) => !named.has(t));
}
