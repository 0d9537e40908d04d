// Device choice: parsing `--device`, the process-wide once-only initialisation, what `auto` says
// when it falls back, and onnxruntime's providers following the choice.
import * as tf from '@tensorflow/tfjs';
import { initBackend, ortExecutionProviders, processDevice } from '../../models/backend';
import { resolvable } from '../../models/device/nodeLoad';
import { selectDevice } from '../../models/device/select';
import { DEVICE_CHOICES, DeviceError, parseDeviceChoice } from '../../models/device/types';

describe('parseDeviceChoice', () => {
  it('accepts every documented choice, case-insensitively, and defaults to auto', () => {
    for (const c of DEVICE_CHOICES) expect(parseDeviceChoice(c.toUpperCase())).toBe(c);
    expect(parseDeviceChoice(undefined)).toBe('auto');
  });

  it('names the allowed values on a bad one', () => {
    expect(() => parseDeviceChoice('cuda')).toThrow(DeviceError);
    expect(() => parseDeviceChoice('cuda')).toThrow(/one of auto, cpu, wasm, webgpu, tfjs-node-gpu, tfjs-node, tfjs-cpu, got 'cuda'/);
  });
});

describe('selectDevice', () => {
  it('cpu is tfjs-wasm with onnxruntime on CPU', async () => {
    const info = await selectDevice('cpu');
    expect(info).toMatchObject({ name: 'wasm', choice: 'cpu', tfjsBackend: 'wasm', ort: { providers: ['cpu'] } });
    expect(tf.getBackend()).toBe('wasm');
  });

  it('an explicitly requested package that is not installed is refused with the reason', async () => {
    if (resolvable('@tensorflow/tfjs-node-gpu')) return console.log('skipped: @tensorflow/tfjs-node-gpu is installed here');
    await expect(selectDevice('tfjs-node-gpu')).rejects.toThrow(/device tfjs-node-gpu requested but unavailable: @tensorflow\/tfjs-node-gpu is not installed/);
  });

  it('auto logs every backend it passes over and ends on a working one', async () => {
    const lines: string[] = [];
    const info = await selectDevice('auto', { log: (l) => lines.push(l) });
    expect(tf.getBackend()).toBe(info.tfjsBackend);
    expect(lines[lines.length - 1]).toBe(`device: ${info.name} — ${info.reason}`);
    if (info.name === 'wasm') {
      // every GPU option was tried first, and the reason says why each was not used
      for (const tried of ['webgpu', 'tfjs-node-gpu', 'tfjs-node']) expect(info.reason).toContain(`${tried}:`);
      expect(lines.filter((l) => l.startsWith('device auto:'))).toHaveLength(3);
    }
    await selectDevice('cpu');
  });
});

describe('initBackend', () => {
  it('rejects an unknown device with the allowed values', async () => {
    await expect(initBackend('gpu' as never)).rejects.toThrow(/--device must be one of/);
  });

  it('initialises once per process; onnxruntime providers follow the choice', async () => {
    expect(ortExecutionProviders()).toEqual(['cpu']);
    const first = await initBackend('cpu');
    const second = await initBackend('auto');
    expect(second).toBe(first);
    expect(processDevice()).toBe(first);
    expect(ortExecutionProviders()).toEqual(first.ort.providers);
  });
});
