// Command-line overrides (`--set N.I=V`) typed by what the target input takes: text for STRING and
// COMBO inputs, numbers for INT / FLOAT, JSON arrays and objects as given.
import type { ObjectInfoResponse } from '../../server/api/protocol';
import { textOverrideValue, typeTextOverrides } from '../../server/engine/workflow/overrides';
import type { ApiWorkflow, EditorWorkflow } from '../../server/engine/workflow/schema';

it('an input that takes text keeps the text where JSON would give a number, boolean or null', () => {
  expect(textOverrideValue('0', 'STRING')).toBe('0');
  expect(textOverrideValue('17', 'STRING')).toBe('17');
  expect(textOverrideValue('true', 'STRING')).toBe('true');
  expect(textOverrideValue('null', 'STRING')).toBe('null');
  expect(textOverrideValue('1.50', 'STRING')).toBe('1.50'); // as typed, not "1.5"
  expect(textOverrideValue('"quoted"', 'STRING')).toBe('quoted'); // JSON quoting still works
  expect(textOverrideValue('4', ['4', '8'])).toBe('4');
  expect(textOverrideValue('16', ['corner', 'center'])).toBe('16');
  expect(textOverrideValue('1', 'COMBO')).toBe('1');
});

it('INT / FLOAT get numbers; arrays and objects stay JSON; text that is not JSON is text', () => {
  expect(textOverrideValue('7', 'INT')).toBe(7);
  expect(textOverrideValue('0.25', 'FLOAT')).toBe(0.25);
  expect(textOverrideValue('["1",0]', 'STRING')).toEqual(['1', 0]);
  expect(textOverrideValue('{"a":1}', 'STRING')).toEqual({ a: 1 });
  expect(textOverrideValue('a blue square', 'STRING')).toBe('a blue square');
  expect(textOverrideValue('7', undefined)).toBe(7); // unknown input: JSON as before
  expect(textOverrideValue('[4, 8]', [4, 8] as unknown as string[])).toEqual([4, 8]);
});

it('types each override by its node in object_info, or by the slot of a subgraph instance', () => {
  const info = {
    Sampler: { input: { required: { seed: ['INT', {}], seed_position: ['STRING', {}] }, optional: { mode: [['a', 'b'], {}] } } },
  } as unknown as ObjectInfoResponse;
  const prompt: ApiWorkflow = { '5': { class_type: 'Sampler', inputs: { seed: 1, seed_position: 'auto' } } };
  const workflow = { nodes: [{ id: 9, type: 'sub-uuid', inputs: [{ name: 'label', type: 'STRING', widget: { name: 'label' } }] }] } as unknown as EditorWorkflow;
  expect(
    typeTextOverrides({ prompt, workflow }, [
      ['5', 'seed', '3'],
      ['5', 'seed_position', '0'],
      ['5', 'mode', '2'],
      ['9', 'label', '12'],
      ['7', 'other', '12'],
    ], info),
  ).toEqual([
    ['5', 'seed', 3],
    ['5', 'seed_position', '0'],
    ['5', 'mode', '2'],
    ['9', 'label', '12'],
    ['7', 'other', 12],
  ]);
});
