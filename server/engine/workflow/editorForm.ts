// A workflow about to be opened in the editor, brought to the form litegraph reads: subgraph
// instances as its SubgraphNode expects them (promotion.ts), and widgets_values written as an
// object (by name, as ComfyUI custom nodes such as VHS do) as the list litegraph assigns to the
// widgets in order. The conversion to the API form reads both forms; litegraph would drop the
// values of an object. Pure.
import type { ObjectInfoResponse } from '../../api/protocol';
import { own } from './ownProps';
import { nativePromotion } from './promotion';
import type { EditorNode, EditorWorkflow } from './schema';
import { defaultWidgetValue, inputSpec, widgetSlots } from './widgets';

/** The list form of a node's widgets_values written as an object, for a node type `info` knows; else undefined. */
function listed(node: EditorNode, info: ObjectInfoResponse): unknown[] | undefined {
  const values = node.widgets_values;
  const entry = own(info, node.type);
  if (!values || Array.isArray(values) || !entry) return undefined;
  const list: unknown[] = [];
  for (const w of widgetSlots(entry)) {
    const v = own(values, w.name);
    list[w.index] = v === undefined ? defaultWidgetValue(inputSpec(entry, w.name)!) : v;
    if (w.hasControl) list[w.index + 1] = own(values, `${w.name}_control_after_generate`) ?? own(values, 'control_after_generate') ?? 'fixed';
  }
  return list;
}

export function editorForm(wf: EditorWorkflow, info: ObjectInfoResponse): EditorWorkflow {
  const out = nativePromotion(wf, info);
  // ComfyUI's schema allows them null; litegraph reads config as an object
  if (out.config === null) delete out.config;
  if (out.extra === null) delete out.extra;
  for (const nodes of [out.nodes, ...(out.definitions?.subgraphs ?? []).map((s) => s.nodes)]) {
    for (const node of nodes) {
      const list = listed(node, info);
      if (list) node.widgets_values = list;
    }
  }
  return out;
}
