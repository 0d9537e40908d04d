// Durations and clock times as the editor shows them (node run times, the queue panel).

/** "450 ms", "2.4 s", "38 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const totalS = Math.round(s);
  const min = Math.floor(totalS / 60);
  if (min < 60) return `${min} min ${String(totalS % 60).padStart(2, '0')} s`;
  return `${Math.floor(min / 60)} h ${String(min % 60).padStart(2, '0')} min`;
}

/** Local clock time of a finish, with the date when it is not `now`'s day. */
export function formatFinished(at: number, now: number = Date.now()): string {
  const d = new Date(at);
  const n = new Date(now);
  const time = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:${String(d.getSeconds()).padStart(2, '0')}`;
  const sameDay = d.getFullYear() === n.getFullYear() && d.getMonth() === n.getMonth() && d.getDate() === n.getDate();
  return sameDay ? time : `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')} ${time}`;
}

/**
 * The browser tab's title: the workflow's name, led while a prompt of this editor runs by how far
 * its running node is ("[45%] ") and by the prompts still waiting when there are more ("[45%][3] "),
 * as ComfyUI does, so a tab in the background shows its progress.
 */
export function tabTitle(name: string, run: { running: boolean; progress: { value: number; max: number } | null; queued: number }): string {
  const base = `${name || 'untitled'} — narflow`;
  if (!run.running) return base;
  const pct = run.progress && run.progress.max > 0 ? `[${Math.floor((100 * Math.min(run.progress.value, run.progress.max)) / run.progress.max)}%]` : '[…]';
  return `${pct}${run.queued > 1 ? `[${run.queued}]` : ''} ${base}`;
}

/** Backends that run on a GPU (a tfjs backend name, or an onnxruntime execution provider). */
const GPU_BACKENDS = new Set(['webgpu', 'tfjs-node-gpu', 'cuda', 'dml']);

/**
 * The status line's short form of the device choice ("backend: wasm · onnxruntime cpu · no GPU
 * found"); the whole reason (what `auto` tried, and why each GPU path failed) goes in its tooltip.
 */
export function backendSummary(b: { name: string; reason: string; choice?: string; ort?: { providers: string[] } }): string {
  const parts = [`backend: ${b.name}${b.choice && b.choice !== b.name ? ` (${b.choice})` : ''}`];
  const providers = b.ort?.providers ?? [];
  if (providers.length) parts.push(`onnxruntime ${providers.join('+')}`);
  const onGpu = GPU_BACKENDS.has(b.name) || providers.some((p) => GPU_BACKENDS.has(p));
  if (!onGpu && /not used:/.test(b.reason)) parts.push('no GPU backend loaded (hover for why)');
  return parts.join(' · ');
}
