// zod schemas for the two workflow forms. Pure (zod only) so the browser bundle can use them too.
//
// API form: {nodeId: {class_type, inputs: {name: constant | [sourceNodeId, outputIndex]}}}.
// Editor form: litegraph serialisation as ComfyUI writes it (nodes, links as tuples, groups, version).
import { z } from 'zod';

/** A link in the API form: [source node id, output index]. */
export const apiLinkSchema = z.tuple([z.string(), z.number().int().nonnegative()]);
export const apiConstantSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const apiInputValueSchema = z.union([apiLinkSchema, apiConstantSchema]);

export const apiNodeSchema = z.object({
  class_type: z.string().min(1),
  inputs: z.record(apiInputValueSchema).default({}),
  _meta: z.object({ title: z.string().optional() }).passthrough().optional(),
});

export const apiWorkflowSchema = z.record(apiNodeSchema);

export type ApiLink = z.infer<typeof apiLinkSchema>;
export type ApiConstant = z.infer<typeof apiConstantSchema>;
export type ApiInputValue = z.infer<typeof apiInputValueSchema>;
export type ApiNode = z.infer<typeof apiNodeSchema>;
export type ApiWorkflow = Record<string, ApiNode>;

export function isApiLink(v: unknown): v is ApiLink {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && Number.isInteger(v[1]) && (v[1] as number) >= 0;
}

/** Current editor-form version (ComfyUI's litegraph serialisation version). */
export const EDITOR_WORKFLOW_VERSION = 0.4;

const vec2 = z.union([z.tuple([z.number(), z.number()]), z.array(z.number()).min(2)]);

/**
 * A slot's or link's data type as ComfyUI's schema allows it: a string, a number, or a list of
 * strings (some custom nodes, and old COMBO links); a list becomes litegraph's "A,B" form.
 */
const dataType = z.union([z.string(), z.number(), z.array(z.string())]).transform((t) => (Array.isArray(t) ? t.join(',') : String(t)));
/** A slot index: ComfyUI's schema also takes one written as a string ("0"). */
const slotIndex = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);

export const editorInputSchema = z
  .object({
    name: z.string(),
    type: dataType,
    link: z.number().int().nullable().optional(),
    widget: z.object({ name: z.string() }).passthrough().optional(),
    label: z.string().optional(),
  })
  .passthrough();

export const editorOutputSchema = z
  .object({
    name: z.string(),
    type: dataType,
    links: z.array(z.number().int()).nullable().optional(),
    slot_index: slotIndex.optional(),
    label: z.string().optional(),
  })
  .passthrough();

/** litegraph node modes: 0 always, 2 never (muted), 4 bypass. */
export const NODE_MODE = { always: 0, never: 2, bypass: 4 } as const;

export const editorNodeSchema = z
  .object({
    id: z.union([z.number().int(), z.string()]),
    type: z.string().min(1),
    pos: vec2.optional(),
    size: vec2.optional(),
    flags: z.record(z.unknown()).optional(),
    order: z.number().optional(),
    mode: z.number().int().optional(),
    title: z.string().optional(),
    inputs: z.array(editorInputSchema).optional(),
    outputs: z.array(editorOutputSchema).optional(),
    properties: z.record(z.unknown()).optional(),
    widgets_values: z.union([z.array(z.unknown()), z.record(z.unknown())]).optional(),
  })
  .passthrough();

/** [id, origin_id, origin_slot, target_id, target_slot, type] */
export const editorLinkSchema = z.tuple([
  z.number().int(),
  z.union([z.number().int(), z.string()]),
  slotIndex,
  z.union([z.number().int(), z.string()]),
  slotIndex,
  dataType,
]);

/** A link inside a subgraph definition: litegraph's object form (tuples are accepted too). */
export const editorLinkObjectSchema = z
  .object({
    id: z.number().int(),
    origin_id: z.union([z.number().int(), z.string()]),
    origin_slot: slotIndex,
    target_id: z.union([z.number().int(), z.string()]),
    target_slot: slotIndex,
    type: dataType.optional(),
  })
  .passthrough();
export type EditorLinkObject = z.infer<typeof editorLinkObjectSchema>;

/** One input or output of a subgraph definition (a slot on every instance of it). */
export const subgraphSlotSchema = z
  .object({
    name: z.string(),
    type: dataType,
    linkIds: z.array(z.number().int()).nullable().optional(),
    label: z.string().optional(),
  })
  .passthrough();

/**
 * A subgraph definition (ComfyUI's `definitions.subgraphs[]`): a graph of its own whose instances are
 * nodes of type `id`. Inside it the virtual node -10 feeds its inputs in and -20 takes its outputs out.
 */
export const editorSubgraphSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().optional(),
    nodes: z.array(editorNodeSchema).default([]),
    links: z.array(z.union([editorLinkSchema, editorLinkObjectSchema])).default([]),
    inputs: z.array(subgraphSlotSchema).default([]),
    outputs: z.array(subgraphSlotSchema).default([]),
  })
  .passthrough();

export const editorGroupSchema = z
  .object({
    title: z.string().optional(),
    bounding: z.array(z.number()).optional(),
    color: z.string().optional(),
  })
  .passthrough();

export const editorWorkflowSchema = z
  .object({
    last_node_id: z.number().int().optional(),
    last_link_id: z.number().int().optional(),
    nodes: z.array(editorNodeSchema),
    links: z.array(editorLinkSchema).default([]),
    groups: z.array(editorGroupSchema).optional(),
    config: z.record(z.unknown()).nullable().optional(),
    extra: z.record(z.unknown()).nullable().optional(),
    version: z.number(),
    definitions: z.object({ subgraphs: z.array(editorSubgraphSchema).optional() }).passthrough().optional(),
  })
  .passthrough();

export type EditorInput = z.infer<typeof editorInputSchema>;
export type EditorOutput = z.infer<typeof editorOutputSchema>;
export type EditorNode = z.infer<typeof editorNodeSchema>;
export type EditorLink = z.infer<typeof editorLinkSchema>;
export type EditorGroup = z.infer<typeof editorGroupSchema>;
export type EditorSubgraph = z.infer<typeof editorSubgraphSchema>;
export type EditorWorkflow = z.infer<typeof editorWorkflowSchema>;

/** True when a parsed JSON value looks like the editor form (has a nodes array). */
export function looksLikeEditorWorkflow(v: unknown): boolean {
  return typeof v === 'object' && v !== null && Array.isArray((v as { nodes?: unknown }).nodes);
}

/** Formats zod issues as "path: message" lines. */
export function formatZodIssues(err: z.ZodError, max = 20): string {
  const lines = err.issues.slice(0, max).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  if (err.issues.length > max) lines.push(`... and ${err.issues.length - max} more`);
  return lines.join('; ');
}
