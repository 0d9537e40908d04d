// Widgets for constant inputs: number (INT/FLOAT with min/max/step), combo, text, toggle; seeds get
// a "control after generate" combo right after them, whose value ComfyUI-style travels in
// widgets_values just after the seed.
import type { LGraphNode } from '@comfyorg/litegraph';
import type { IBaseWidget } from '@comfyorg/litegraph/dist/types/widgets';
import { initialValue, type InputDef } from './nodeSpec';

export const SEED_CONTROLS = ['fixed', 'increment', 'decrement', 'randomize'] as const;
export const CONTROL_WIDGET = 'control_after_generate';

/** Widgets without their own callback (litegraph warns about a missing one). */
function noop(): void {}

/** Decimal places that show `step` exactly (0.01 → 2). */
function precisionOf(step: number): number {
  const s = String(step);
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : Math.min(6, s.length - dot - 1);
}

function numberWidget(node: LGraphNode, input: InputDef): IBaseWidget {
  const isInt = input.type === 'INT';
  const step = input.step ?? (isInt ? 1 : 0.01);
  const widget = node.addWidget('number', input.name, Number(initialValue(input)), noop, {
    min: input.min,
    max: input.max,
    step2: step,
    precision: isInt ? 0 : precisionOf(step),
  });
  widget.callback = (v: unknown) => {
    const n = Number(v);
    widget.value = isInt ? Math.round(n) : Number(n.toFixed(precisionOf(step) + 2));
  };
  return widget;
}

/** Adds the widget for one constant input (and the seed control after a seed). */
export function addInputWidget(node: LGraphNode, input: InputDef): IBaseWidget[] {
  let widget: IBaseWidget;
  switch (input.type) {
    case 'INT':
    case 'FLOAT':
      widget = numberWidget(node, input);
      break;
    case 'BOOLEAN':
      widget = node.addWidget('toggle', input.name, Boolean(initialValue(input)), noop, { on: 'true', off: 'false' });
      break;
    case 'COMBO':
      widget = node.addWidget('combo', input.name, String(initialValue(input)), noop, { values: input.options ?? [] });
      break;
    default:
      widget = node.addWidget('text', input.name, String(initialValue(input)), noop, { multiline: input.multiline });
  }
  if (input.tooltip) widget.tooltip = input.tooltip;
  if (!input.controlAfterGenerate) return [widget];
  const control = node.addWidget('combo', CONTROL_WIDGET, 'randomize', noop, { values: [...SEED_CONTROLS] });
  control.label = 'after queue';
  control.tooltip = 'what happens to the seed after each Queue';
  return [widget, control];
}

/** 0 .. 2^32-1 — seeds the project's Rng accepts everywhere. */
const SEED_LIMIT = 2 ** 32;

/** The next seed after a Queue (pure; `random` in [0,1) is supplied by the caller). */
export function nextSeed(value: number, control: string, min = 0, max = SEED_LIMIT - 1, random = 0): number {
  const lo = Math.max(min, 0);
  const hi = Math.min(max, SEED_LIMIT - 1);
  switch (control) {
    case 'increment':
      return value + 1 > hi ? lo : value + 1;
    case 'decrement':
      return value - 1 < lo ? hi : value - 1;
    case 'randomize':
      return lo + Math.floor(random * (hi - lo + 1));
    default:
      return value;
  }
}

/** Applies every seed control of a node (called after the prompt was queued). */
export function applySeedControls(node: LGraphNode, random: () => number): void {
  const widgets = node.widgets ?? [];
  widgets.forEach((w, i) => {
    const next = widgets[i + 1];
    if (next?.name !== CONTROL_WIDGET || typeof w.value !== 'number') return;
    const opts = w.options as { min?: number; max?: number };
    w.value = nextSeed(w.value, String(next.value), opts.min, opts.max, random());
  });
}
