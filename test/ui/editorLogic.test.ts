// Pure parts of the editor: object_info parsing, seed control, loss plot geometry, palette search,
// run state from socket.io events.
import type { ExecutionEvent, ObjectInfoEntry } from '../../server/api/protocol';
import { RunState, type NodeRunState } from '../../ui/src/execution/runState';
import { frameAt } from '../../ui/src/graph/imageCache';
import { formatDuration } from '../../ui/src/format';
import { cellAt, drawNodeState } from '../../ui/src/graph/nodeDrawing';
import { initialValue, parseNodeSpec } from '../../ui/src/graph/nodeSpec';
import { nextSeed } from '../../ui/src/graph/widgets';
import { AutoQueue } from '../../ui/src/editor/autoQueue';
import { applyMaskToAlpha, defaultBrush, maskFileName, maskFromAlpha, paintDisc, paintStroke, type MaskGrid } from '../../ui/src/panels/maskPaint';
import { groupByCategory, matchesSearch, modelLibrary } from '../../ui/src/panels/palette';
import { linksFile } from '../../ui/src/panels/missingFiles';
import { downsample, plotPath } from '../../ui/src/plot/lossPlot';

const sampler: ObjectInfoEntry = {
  name: 'Sampler',
  display_name: 'NAR Sampler',
  category: 'nar/sampling',
  description: 'samples tokens',
  input: {
    required: {
      model: ['NAR_MODEL', {}],
      seed: ['INT', { default: 7, min: 0, max: 100, control_after_generate: true }],
      preset: [['corner', 'centre'], { default: 'centre' }],
      cfg: ['FLOAT', { default: 1.5, min: 0, max: 10, step: 0.1 }],
      label: ['STRING', { forceInput: true }],
    },
    optional: { verbose: ['BOOLEAN', {}] },
  },
  input_order: { required: ['model', 'cfg', 'seed', 'preset', 'label'], optional: ['verbose'] },
  output: ['TOKENS'],
  output_name: ['tokens'],
  output_is_list: [false],
  output_node: false,
  python_module: 'nar',
};

describe('object_info → node spec', () => {
  const spec = parseNodeSpec('Sampler', sampler);

  it('keeps declaration order and tells widgets from links', () => {
    expect(spec.inputs.map((i) => `${i.name}:${i.kind}`)).toEqual(['model:link', 'cfg:widget', 'seed:widget', 'preset:widget', 'label:link', 'verbose:widget']);
    expect(spec.inputs.find((i) => i.name === 'preset')).toMatchObject({ type: 'COMBO', options: ['corner', 'centre'] });
    expect(spec.inputs.find((i) => i.name === 'seed')?.controlAfterGenerate).toBe(true);
    expect(spec.inputs.find((i) => i.name === 'verbose')?.optional).toBe(true);
    expect(spec.outputs).toEqual([{ name: 'tokens', type: 'TOKENS' }]);
  });

  it('starts widgets at their default, else inside their range', () => {
    const byName = (n: string) => spec.inputs.find((i) => i.name === n)!;
    expect(initialValue(byName('cfg'))).toBe(1.5);
    expect(initialValue(byName('verbose'))).toBe(false);
    expect(initialValue({ name: 'n', type: 'INT', kind: 'widget', optional: false, min: 3 })).toBe(3);
    expect(initialValue({ name: 'c', type: 'COMBO', kind: 'widget', optional: false, options: ['a', 'b'] })).toBe('a');
  });
});

describe('seed control after generate', () => {
  it('increments and decrements with wrap-around inside the range', () => {
    expect(nextSeed(5, 'increment', 0, 10)).toBe(6);
    expect(nextSeed(10, 'increment', 0, 10)).toBe(0);
    expect(nextSeed(0, 'decrement', 0, 10)).toBe(10);
    expect(nextSeed(5, 'fixed', 0, 10)).toBe(5);
  });
  it('randomizes inside [min, max]', () => {
    expect(nextSeed(5, 'randomize', 3, 9, 0)).toBe(3);
    expect(nextSeed(5, 'randomize', 3, 9, 0.999999)).toBe(9);
    expect(nextSeed(5, 'randomize', 0, 2 ** 60, 0.5)).toBe(2 ** 31);
  });
});

describe('loss plot geometry', () => {
  const rect = { x: 10, y: 20, w: 100, h: 50 };
  it('maps the first step to the left, the highest loss to the top', () => {
    const geo = plotPath([{ step: 1, loss: 4 }, { step: 2, loss: 2 }, { step: 3, loss: 1 }], rect);
    expect(geo.points[0]).toEqual([10, 20]);
    expect(geo.points[2]).toEqual([110, 70]);
    expect(geo.points[1][0]).toBeCloseTo(60);
    expect(geo.points[1][1]).toBeCloseTo(70 - (1 / 3) * 50);
    expect([geo.minLoss, geo.maxLoss]).toEqual([1, 4]);
  });
  it('keeps spikes when downsampling a long run', () => {
    const pts = Array.from({ length: 5000 }, (_, i) => ({ step: i, loss: i === 2500 ? 99 : 1 / (1 + i) }));
    const small = downsample(pts, 200);
    expect(small.length).toBeLessThanOrEqual(200);
    expect(Math.max(...small.map((p) => p.loss))).toBe(99);
    expect(small.map((p) => p.step)).toEqual([...small.map((p) => p.step)].sort((a, b) => a - b));
  });
});

describe('palette search', () => {
  const specs = [parseNodeSpec('Sampler', sampler), parseNodeSpec('Save', { ...sampler, display_name: 'Save Image', category: 'image', description: 'writes PNG' })];
  it('matches every word against name, category and description', () => {
    expect(specs.filter((s) => matchesSearch(s, 'nar samp')).map((s) => s.type)).toEqual(['Sampler']);
    expect(specs.filter((s) => matchesSearch(s, 'png')).map((s) => s.type)).toEqual(['Save']);
    expect(specs.filter((s) => matchesSearch(s, '')).length).toBe(2);
  });
  it('groups by sorted category', () => {
    expect(groupByCategory(specs).map(([c]) => c)).toEqual(['image', 'nar/sampling']);
  });
});

describe('run state from events', () => {
  const ev = (e: ExecutionEvent) => e;
  it('tracks running node, progress with loss, outputs and errors of its own prompts only', () => {
    let changes = 0;
    const rs = new RunState(() => changes++);
    rs.handle(ev({ type: 'execution_start', data: { prompt_id: 'other', timestamp: 0 } }));
    expect(rs.phase).toBe('idle');
    rs.promptQueued('p1');
    expect(rs.phase).toBe('queued');
    rs.handle(ev({ type: 'executing', data: { prompt_id: 'p1', node: '3' } }));
    expect(rs.node('3').running).toBe(true);
    for (let i = 1; i <= 3; i++) {
      rs.handle(ev({ type: 'progress', data: { prompt_id: 'p1', node: '3', value: i, max: 10, extra: { loss: 1 / i, lr: 0.001 }, preview: { image: 'data:image/png;base64,AAAA' } } }));
    }
    expect(rs.node('3').metrics).toEqual([1, 2, 3].map((i) => ({ step: i, loss: 1 / i, lr: 0.001 })));
    expect(rs.node('3').progress).toEqual({ value: 3, max: 10 });
    expect(rs.node('3').preview).toMatch(/^data:image\/png/);
    rs.handle(ev({ type: 'executed', data: { prompt_id: 'p1', node: '5', output: { images: [{ filename: 'a.png', subfolder: '', type: 'output' }] } } }));
    expect(rs.node('5').images).toEqual([{ filename: 'a.png', subfolder: '', type: 'output' }]);
    rs.handle(ev({ type: 'execution_error', data: { prompt_id: 'p1', node_id: '3', node_type: 'Trainer', exception_message: 'boom', timestamp: 1 } }));
    expect(rs.node('3')).toMatchObject({ running: false, error: 'boom', progress: null });
    expect(rs.phase).toBe('error');
    expect(changes).toBeGreaterThan(5);
  });
  it('keeps the scores an evaluation node reports, and drops them when it fails or shows something else', () => {
    const rs = new RunState(() => undefined);
    rs.promptQueued('p1');
    rs.handle(ev({ type: 'executed', data: { prompt_id: 'p1', node: '9', output: { text: ['{"fid":1.5}'], table: [{ metric: 'FID', value: 1.5, note: '' }] } } }));
    expect(rs.node('9').scores?.rows).toEqual([{ label: 'FID', value: '1.500' }]);
    rs.handle(ev({ type: 'executed', data: { prompt_id: 'p1', node: '9', output: { text: ['no reference given'] } } }));
    expect(rs.node('9').scores).toBeNull();
    rs.handle(ev({ type: 'executed', data: { prompt_id: 'p1', node: '9', output: { metrics: { fid: 2 } } } }));
    expect(rs.node('9').scores?.rows).toEqual([{ label: 'fid', value: '2' }]);
    rs.handle(ev({ type: 'execution_error', data: { prompt_id: 'p1', node_id: '9', node_type: 'EvaluateImages', exception_message: 'boom', timestamp: 1 } }));
    expect(rs.node('9').scores).toBeNull();
  });
  it('replays events that arrived before the queue answer named their prompt', () => {
    const rs = new RunState(() => undefined);
    rs.handle(ev({ type: 'execution_start', data: { prompt_id: 'fast', timestamp: 0 } }));
    rs.handle(ev({ type: 'executing', data: { prompt_id: 'fast', node: '4' } }));
    expect(rs.phase).toBe('idle');
    rs.promptQueued('fast');
    expect(rs.phase).toBe('running');
    expect(rs.node('4').running).toBe(true);
  });
  it('keeps a prompt\'s early events while other clients\' prompts stream many (the queue panel follows them all)', () => {
    const rs = new RunState(() => undefined);
    rs.handle(ev({ type: 'execution_start', data: { prompt_id: 'mine', timestamp: 0 } }));
    rs.handle(ev({ type: 'execution_cached', data: { prompt_id: 'mine', nodes: ['1'], timestamp: 0 } }));
    rs.handle(ev({ type: 'executing', data: { prompt_id: 'mine', node: '4' } }));
    for (let p = 0; p < 5; p++) for (let i = 0; i < 300; i++) rs.handle(ev({ type: 'progress', data: { prompt_id: `other${p}`, node: '9', value: i, max: 300 } }));
    for (let i = 0; i < 1000; i++) rs.handle(ev({ type: 'progress', data: { prompt_id: 'mine', node: '4', value: i, max: 1000 } }));
    rs.promptQueued('mine');
    expect(rs.phase).toBe('running');
    expect(rs.currentPrompt).toBe('mine');
    expect(rs.node('4')).toMatchObject({ running: true, progress: { value: 999, max: 1000 } });
    expect(rs.node('1').cached).toBe(true); // told right after the start, before the many progress events
    expect(rs.peek('9')).toBeUndefined(); // other prompts' events are not applied
  });
  it('catches up from history when a prompt finished before any live event arrived', () => {
    const rs = new RunState(() => undefined);
    rs.promptQueued('cached');
    rs.catchUp('cached', {
      prompt: [1, 'cached', {}, {}, ['5']],
      outputs: { '5': { images: [{ filename: 'b.png', subfolder: 's', type: 'output' }] } },
      status: { status_str: 'success', completed: true, messages: [['execution_start', { timestamp: 1 }], ['execution_cached', { nodes: ['1', '5'], timestamp: 1 }], ['execution_success', { timestamp: 2 }]] },
      finished_at: 2,
    });
    expect(rs.phase).toBe('success');
    expect(rs.node('1').cached).toBe(true);
    expect(rs.node('5').images).toEqual([{ filename: 'b.png', subfolder: 's', type: 'output' }]);
  });
  it('finishes from history a prompt whose end was missed, failed ones included, and only once', () => {
    const rs = new RunState(() => undefined);
    rs.promptQueued('a');
    rs.promptQueued('b');
    expect(rs.unfinishedPrompts()).toEqual(['a', 'b']);
    // 'a' ran partly live, then the connection dropped and it failed
    rs.handle(ev({ type: 'execution_start', data: { prompt_id: 'a', timestamp: 0 } }));
    rs.handle(ev({ type: 'executing', data: { prompt_id: 'a', node: '2' } }));
    rs.catchUp('a', {
      prompt: [1, 'a', {}, {}, ['2']],
      outputs: {},
      status: {
        status_str: 'error',
        completed: false,
        messages: [
          ['execution_start', { timestamp: 0 }],
          ['execution_error', { node_id: '2', node_type: 'Trainer', exception_message: 'out of memory', timestamp: 1 }],
        ],
      },
      finished_at: 1,
    });
    expect(rs.phase).toBe('error');
    expect(rs.node('2')).toMatchObject({ running: false, error: 'out of memory' });
    expect(rs.unfinishedPrompts()).toEqual(['b']);
    // 'b' ends live; a late history answer changes nothing
    rs.handle(ev({ type: 'execution_start', data: { prompt_id: 'b', timestamp: 2 } }));
    rs.handle(ev({ type: 'execution_success', data: { prompt_id: 'b', timestamp: 3 } }));
    expect(rs.unfinishedPrompts()).toEqual([]);
    rs.catchUp('b', { prompt: [2, 'b', {}, {}, []], outputs: { '9': { text: ['stale'] } }, status: { status_str: 'interrupted', completed: false, messages: [] }, finished_at: 3 });
    expect(rs.phase).toBe('success');
    expect(rs.peek('9')).toBeUndefined();
  });
  it('a late history answer for an earlier prompt does not take over a later prompt that has started', () => {
    const rs = new RunState(() => undefined);
    rs.promptQueued('a');
    rs.promptQueued('b');
    // 'a' ended unseen (its events came before the subscription); 'b' has started live
    rs.handle(ev({ type: 'execution_start', data: { prompt_id: 'b', timestamp: 2 } }));
    rs.handle(ev({ type: 'executing', data: { prompt_id: 'b', node: '3' } }));
    rs.handle(ev({ type: 'progress', data: { prompt_id: 'b', node: '3', value: 2, max: 10 } }));
    rs.catchUp('a', {
      prompt: [1, 'a', {}, {}, ['5']],
      outputs: { '5': { images: [{ filename: 'a.png', subfolder: '', type: 'output' }] } },
      status: { status_str: 'success', completed: true, messages: [['execution_start', { timestamp: 0 }], ['execution_cached', { nodes: ['3'], timestamp: 0 }], ['execution_success', { timestamp: 1 }]] },
      finished_at: 1,
    });
    expect(rs.phase).toBe('running');
    expect(rs.currentPrompt).toBe('b');
    expect(rs.node('3')).toMatchObject({ running: true, cached: false, progress: { value: 2, max: 10 } });
    expect(rs.node('5').images).toEqual([{ filename: 'a.png', subfolder: '', type: 'output' }]); // what 'a' made
    expect(rs.unfinishedPrompts()).toEqual(['b']);
  });
  it('times each node from its start to the next start or the end, and forgets times on a new run', () => {
    let t = 1000;
    const rs = new RunState(() => undefined, () => t);
    rs.promptQueued('p');
    rs.handle(ev({ type: 'execution_start', data: { prompt_id: 'p', timestamp: 0 } }));
    rs.handle(ev({ type: 'executing', data: { prompt_id: 'p', node: '1' } }));
    t += 250;
    expect(rs.node('1').ranMs).toBeNull(); // still running
    rs.handle(ev({ type: 'executing', data: { prompt_id: 'p', node: '2' } }));
    t += 1200;
    rs.handle(ev({ type: 'executing', data: { prompt_id: 'p', node: null } }));
    rs.handle(ev({ type: 'execution_success', data: { prompt_id: 'p', timestamp: 1 } }));
    expect([rs.node('1').ranMs, rs.node('2').ranMs]).toEqual([250, 1200]);
    expect(formatDuration(250)).toBe('250 ms'); // as the node's title shows it
    expect([1200, 45_000, 300_000].map(formatDuration)).toEqual(['1.2 s', '45 s', '5 min 00 s']);
    rs.promptQueued('q');
    rs.handle(ev({ type: 'execution_start', data: { prompt_id: 'q', timestamp: 2 } }));
    expect(rs.node('1').ranMs).toBeNull();
  });
  it('puts every validation problem on its node', () => {
    const rs = new RunState(() => undefined);
    rs.promptRejected(
      {
        '2': {
          class_type: 'Sampler',
          errors: [
            { type: 'value_out_of_range', message: 'seed above max', details: '101 > 100', input_name: 'seed' },
            { type: 'required_input_missing', message: 'model missing', details: '', input_name: 'model' },
          ],
        },
      },
      'rejected',
    );
    expect(rs.node('2').error).toBe('seed above max: 101 > 100\nmodel missing');
    expect(rs.node('2').errorInputs).toEqual(['seed', 'model']);
  });

  it('a stopped prompt marks the node it stopped in; a failed node drops what an earlier run showed', () => {
    const rs = new RunState(() => undefined);
    rs.promptQueued('a');
    rs.handle(ev({ type: 'execution_start', data: { prompt_id: 'a', timestamp: 1 } }));
    rs.handle(ev({ type: 'executed', data: { prompt_id: 'a', node: '2', output: { text: ['15 passes, 0.2 s'], images: [{ filename: 'x.png', subfolder: '', type: 'output' }] } } }));
    rs.handle(ev({ type: 'executing', data: { prompt_id: 'a', node: '3' } }));
    rs.handle(ev({ type: 'execution_interrupted', data: { prompt_id: 'a', node_id: '3', timestamp: 2 } }));
    expect(rs.node('3').stopped).toBe(true);
    expect(rs.node('2').stopped).toBe(false);
    rs.promptQueued('b');
    expect(rs.node('3').stopped).toBe(false); // a new run forgets it
    rs.handle(ev({ type: 'execution_start', data: { prompt_id: 'b', timestamp: 3 } }));
    rs.handle(ev({ type: 'executing', data: { prompt_id: 'b', node: '2' } }));
    rs.handle(ev({ type: 'execution_error', data: { prompt_id: 'b', node_id: '2', node_type: 'S', exception_message: 'bad seed', exception_type: 'Error', traceback: [] } } as never));
    expect(rs.node('2')).toMatchObject({ error: 'bad seed', texts: [], images: [] });
  });

  it('a subgraph instance shows what its inner nodes ("id:inner") did: running one, last pictures, errors, total time', () => {
    let t = 0;
    const rs = new RunState(() => undefined, () => t);
    rs.promptQueued('s');
    rs.handle(ev({ type: 'execution_start', data: { prompt_id: 's', timestamp: 1 } }));
    rs.handle(ev({ type: 'executing', data: { prompt_id: 's', node: '7:1' } }));
    rs.handle(ev({ type: 'progress', data: { prompt_id: 's', node: '7:1', value: 2, max: 5 } }));
    expect(rs.summary('7')).toMatchObject({ running: true, progress: { value: 2, max: 5 }, ranMs: null });
    t = 30;
    rs.handle(ev({ type: 'executed', data: { prompt_id: 's', node: '7:1', output: { images: [{ filename: 'a.png', subfolder: '', type: 'temp' }] } } }));
    rs.handle(ev({ type: 'executing', data: { prompt_id: 's', node: '7:2:4' } }));
    t = 50;
    rs.handle(ev({ type: 'executed', data: { prompt_id: 's', node: '7:2:4', output: { images: [{ filename: 'b.png', subfolder: '', type: 'output' }] } } }));
    rs.handle(ev({ type: 'executing', data: { prompt_id: 's', node: '70' } }));
    rs.handle(ev({ type: 'execution_error', data: { prompt_id: 's', node_id: '70', node_type: 'X', exception_message: 'boom', exception_type: 'Error', traceback: [] } } as never));
    const inst = rs.summary('7')!;
    expect(inst.running).toBe(false);
    expect(inst.images.map((i) => i.filename)).toEqual(['b.png']); // the one given last
    expect(inst.ranMs).toBe(50);
    expect(inst.error).toBeNull(); // node 70 is not inside instance 7
    expect(rs.summary('7:2')!.images.map((i) => i.filename)).toEqual(['b.png']); // a nested instance, seen from inside 7
    expect(rs.summary('70')!.error).toBe('boom');
    rs.promptRejected({ '7:1': { class_type: 'ImageScale', errors: [{ type: 'value_out_of_range', message: 'width above max', details: '' }] } }, 'rejected');
    expect(rs.summary('7')!.error).toBe('1: width above max');
  });
});

describe('node drawing', () => {
  /** A 2-D context that records the text it is asked to write (and where) and the order of its drawing calls. */
  function recordingContext() {
    const texts: { text: string; x: number }[] = [];
    const calls: string[] = [];
    const ctx = new Proxy({} as Record<string, unknown>, {
      get(target, key: string) {
        if (key in target) return target[key];
        if (key === 'fillText') return (text: string, x: number) => (texts.push({ text, x }), calls.push(`text:${text}`));
        if (key === 'measureText') return (text: string) => ({ width: text.length * 6 });
        return (...args: unknown[]) => calls.push(key) && args && undefined;
      },
      set(target, key: string, value) {
        target[key] = value;
        return true;
      },
    });
    return { ctx: ctx as unknown as CanvasRenderingContext2D, texts, calls };
  }
  const dc = { images: { get: () => ({ source: {} as CanvasImageSource, width: 8, height: 8 }) } as never, viewUrl: () => 'u' };
  const node = (over: Record<string, unknown> = {}) =>
    ({ size: [200, 100], mode: 0, widgets: [], inputs: [], outputs: [], title_buttons: [], setSize() {}, setDirtyCanvas() {}, ...over }) as never;
  const ran = (over: Partial<NodeRunState> = {}): NodeRunState => ({
    running: false, cached: false, progress: null, error: null, errorInputs: [], images: [], texts: [], scores: null, preview: null, previewLabel: null, metrics: [], extra: null, ranMs: 545, stopped: false, ...over,
  });

  it('the run time sits at the right of the title, left of a title button; a mode name or an error badge takes its place', () => {
    const plain = recordingContext();
    drawNodeState(plain.ctx, node(), ran(), dc);
    expect(plain.texts).toEqual([{ text: '545 ms', x: 192 }]);
    const withButton = recordingContext();
    drawNodeState(withButton.ctx, node({ title_buttons: [{ name: 'enter_subgraph' }] }), ran(), dc);
    expect(withButton.texts[0].x).toBeLessThanOrEqual(200 - 30);
    for (const mode of [2, 4]) {
      const r = recordingContext();
      drawNodeState(r.ctx, node({ mode }), ran(), dc);
      expect(r.texts.map((t) => t.text)).toEqual([mode === 2 ? 'muted' : 'bypassed']);
    }
    const stopped = recordingContext();
    drawNodeState(stopped.ctx, node(), ran({ stopped: true }), dc);
    expect(stopped.texts.map((t) => t.text)).toEqual(['stopped after 545 ms']);
    const failed = recordingContext();
    drawNodeState(failed.ctx, node(), ran({ error: 'boom' }), dc);
    expect(failed.texts.map((t) => t.text)).not.toContain('545 ms');
    expect(failed.texts.map((t) => t.text)).toContain('!');
  });

  it('the node id is written just above the title when the editor shows ids, and not otherwise', () => {
    const shown = recordingContext();
    drawNodeState(shown.ctx, node(), ran(), { ...dc, idLabel: () => '12:3' });
    expect(shown.texts).toContainEqual({ text: '#12:3', x: 4 });
    const hidden = recordingContext();
    drawNodeState(hidden.ctx, node(), ran(), { ...dc, idLabel: () => null });
    expect(hidden.texts.map((t) => t.text)).toEqual(['545 ms']);
  });

  it('the caption of a preview sits above the picture, not over its corner cell', () => {
    const calls: { name: string; args: number[] }[] = [];
    const ctx = new Proxy({} as Record<string, unknown>, {
      get: (t, key: string) => (key in t ? t[key] : key === 'measureText' ? () => ({ width: 40 }) : (...args: number[]) => void calls.push({ name: key, args })),
      set: (t, key: string, v) => ((t[key] = v), true),
    }) as unknown as CanvasRenderingContext2D;
    drawNodeState(ctx, node(), ran({ preview: 'data:image/png;base64,', previewLabel: 'ring 5/16' }), dc);
    const box = calls.find((c) => c.name === 'fillRect')!;
    const image = calls.find((c) => c.name === 'drawImage')!;
    expect(box.args[1] + box.args[3]).toBeLessThanOrEqual(image.args[2]); // caption bottom ≤ picture top
  });

  it('scores are drawn as label and right-aligned value inside the node, not as their JSON text', () => {
    const r = recordingContext();
    const scores = { rows: [{ label: 'FID-shapes', value: '87.68' }, { label: 'ShapeEval colour', value: '0.2917' }], notes: ['features of the built-in Shapes classifier, not comparable with ImageNet FID'] };
    drawNodeState(r.ctx, node(), ran({ scores, texts: ['{"fid":87.67679934,"color":0.2916666666666667}'] }), dc);
    const shown = r.texts.map((t) => t.text);
    expect(shown).toEqual(expect.arrayContaining(['87.68', 'FID-shapes', '0.2917', 'ShapeEval colour']));
    expect(shown.some((t) => t.includes('{'))).toBe(false);
    const value = r.texts.find((t) => t.text === '87.68')!;
    expect(value.x + '87.68'.length * 6).toBe(200 - 8); // right edge of the content
    // the note is wrapped to the node's width
    expect(shown.filter((t) => t.includes('Shapes') || t.includes('ImageNet')).length).toBeGreaterThan(1);
    for (const t of r.texts.filter((x) => x.text !== '545 ms')) expect(t.x + t.text.length * 6).toBeLessThanOrEqual(200 - 8); // the run time is drawn right-aligned
  });

  it('a text with no spaces (a JSON line) is broken to the node width instead of running past it', () => {
    const r = recordingContext();
    drawNodeState(r.ctx, node(), ran({ texts: ['{"images":144,"color":0.2916666666666667,"shape":0.4652777777777778}'] }), dc);
    const lines = r.texts.filter((t) => t.text !== '545 ms');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.map((t) => t.text).join('')).toBe('{"images":144,"color":0.2916666666666667,"shape":0.4652777777777778}');
    for (const t of lines) expect(t.x + t.text.length * 6).toBeLessThanOrEqual(200 - 8);
  });

  it('the veil of a muted node covers the pictures it shows', () => {
    const r = recordingContext();
    drawNodeState(r.ctx, node({ mode: 2 }), ran({ images: [{ filename: 'a.png', subfolder: '', type: 'output' }] }), dc);
    expect(r.calls.lastIndexOf('drawImage')).toBeGreaterThanOrEqual(0);
    expect(r.calls.lastIndexOf('roundRect')).toBeGreaterThan(r.calls.lastIndexOf('drawImage'));
  });
});

describe('seed picker', () => {
  it('maps a point on the preview picture to its grid cell, and nothing outside it', () => {
    const picker = { x: 10, y: 100, w: 160, h: 80, grid: [4, 8] as [number, number] }; // 20 px per cell each way
    expect(cellAt(picker, [10, 100])).toEqual([0, 0]);
    expect(cellAt(picker, [169.9, 179.9])).toEqual([3, 7]);
    expect(cellAt(picker, [75, 145])).toEqual([2, 3]);
    expect(cellAt(picker, [170, 120])).toBeNull();
    expect(cellAt(picker, [50, 99])).toBeNull();
  });
});

describe('animated previews', () => {
  it('picks the frame shown at a time, looping', () => {
    const d = [100, 50, 100];
    expect([0, 99, 100, 149, 150, 249, 250, 260].map((t) => frameAt(d, t))).toEqual([0, 0, 1, 1, 2, 2, 0, 0]);
    expect(frameAt([], 10)).toBe(0);
  });
});

describe('mask painting', () => {
  const grid = (w: number, h: number): MaskGrid => ({ width: w, height: h, data: new Uint8Array(w * h) });
  const rows = (m: MaskGrid) => Array.from({ length: m.height }, (_, y) => Array.from(m.data.subarray(y * m.width, (y + 1) * m.width)).join(''));

  it('paints a disc of pixel centres within the radius, clipped to the picture', () => {
    const m = grid(5, 5);
    paintDisc(m, 2.5, 2.5, 1.5, 1);
    expect(rows(m)).toEqual(['00000', '01110', '01110', '01110', '00000']);
    paintDisc(m, 0, 0, 1, 1);
    expect(rows(m)[0]).toBe('10000');
    paintDisc(m, 2.5, 2.5, 0.5, 0);
    expect(rows(m)[2]).toBe('01010');
  });

  it('a stroke leaves no gaps between its ends, however fast the pointer moved', () => {
    const m = grid(40, 3);
    paintStroke(m, 0.5, 1.5, 39.5, 1.5, 0.5, 1);
    expect(rows(m)[1]).toBe('1'.repeat(40));
    expect(rows(m)[0]).toBe('0'.repeat(40));
  });

  it('reads the mask from transparency and writes it back as alpha, leaving the colours', () => {
    const rgba = Uint8ClampedArray.from([10, 20, 30, 255, 40, 50, 60, 0, 70, 80, 90, 100, 1, 2, 3, 200]);
    const m = maskFromAlpha(rgba, 2, 2);
    expect(Array.from(m.data)).toEqual([0, 1, 1, 0]);
    m.data[0] = 1;
    m.data[1] = 0;
    applyMaskToAlpha(rgba, m);
    expect(Array.from(rgba)).toEqual([10, 20, 30, 0, 40, 50, 60, 255, 70, 80, 90, 0, 1, 2, 3, 255]);
  });

  it('sizes the brush to the picture and names the saved copy after the input', () => {
    expect(defaultBrush(32, 32)).toBe(2);
    expect(defaultBrush(8, 4)).toBe(1);
    expect(defaultBrush(512, 256)).toBe(16);
    expect(maskFileName('photo.jpg')).toBe('photo.png');
    expect(maskFileName('masks/a b.png')).toBe('a b.png');
    expect(maskFileName('noext')).toBe('noext.png');
  });
});

describe('auto-queue', () => {
  function setup() {
    let busy = false;
    const queued: number[] = [];
    const auto = new AutoQueue({ queue: async () => void queued.push(queued.length), busy: () => busy });
    return { auto, queued, setBusy: (b: boolean) => (busy = b) };
  }

  it('queues on a change only when on, at once when turned on, and never while off', () => {
    const { auto, queued } = setup();
    auto.changed();
    expect(queued).toHaveLength(0);
    auto.enabled = true;
    expect(queued).toHaveLength(1);
    auto.changed();
    expect(queued).toHaveLength(2);
    auto.enabled = false;
    auto.changed();
    auto.promptsChanged();
    expect(queued).toHaveLength(2);
  });

  it('changes while a prompt runs queue once, after it has ended', () => {
    const { auto, queued, setBusy } = setup();
    setBusy(true);
    auto.enabled = true; // owed: the graph may have changed since the last run
    auto.changed();
    auto.changed();
    auto.promptsChanged(); // still running
    expect(queued).toHaveLength(0);
    setBusy(false);
    auto.promptsChanged();
    auto.promptsChanged();
    expect(queued).toHaveLength(1);
  });
});


describe('missing-files links', () => {
  it('call a link to the file itself a download, and one to a page (a model collection) not', () => {
    expect(linksFile('https://huggingface.co/FoundationVision/LlamaGen/resolve/main/vq_ds16_c2i.pt', 'vq_ds16_c2i.pt')).toBe(true);
    expect(linksFile('https://example.org/files/my%20model.pt?download=1', 'sub/my model.pt')).toBe(true);
    expect(linksFile('https://huggingface.co/collections/chenfeng1271/nar-67d13fa93fe913b2e187ee1f', 'c2i_B.pt')).toBe(false);
    expect(linksFile('not a url', 'c2i_B.pt')).toBe(false);
  });
});

describe('model library', () => {
  const entry = (display: string, inputs: Record<string, [string | string[], Record<string, unknown>?]>): ObjectInfoEntry => ({
    name: display, display_name: display, category: 'x', description: '', input: { required: inputs }, input_order: { required: Object.keys(inputs) },
    output: [], output_name: [], output_is_list: [], output_node: false, python_module: 'x',
  });
  it('lists each weights/ folder a loader lists files from, once (the first type by name), not input/ or plain choices', () => {
    const info = {
      LoadNARModel: entry('Load NAR Model', { model_name: [['a.pt', 'b.safetensors'], { folder: 'weights/nar/' }] }),
      ALoader: entry('Another loader', { file: [['a.pt'], { folder: 'weights/nar/' }] }),
      LoadTokenizer: entry('Load Tokenizer', { tokenizer_name: [[], { folder: 'weights/tokenizer/' }] }),
      LoadImage: entry('Load Image', { image: [['x.png'], { folder: 'input/' }] }),
      Sampler: entry('Sampler', { engine: [['auto', 'ort'], {}], steps: ['INT', { folder: 'weights/nar/' }] }),
    };
    expect(modelLibrary(info)).toEqual([
      { folder: 'weights/nar/', type: 'ALoader', displayName: 'Another loader', input: 'file', files: ['a.pt'] },
      { folder: 'weights/tokenizer/', type: 'LoadTokenizer', displayName: 'Load Tokenizer', input: 'tokenizer_name', files: [] },
    ]);
  });
});
