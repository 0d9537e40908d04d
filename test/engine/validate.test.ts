import { validatePrompt } from '../../server/engine/graph/validate';
import { harness } from './engineHarness';

const h = harness();
const validate = (p: unknown) => validatePrompt(p, h.registry, h.paths);
const kinds = (r: ReturnType<typeof validate>, id: string) => (r.nodeErrors[id]?.errors ?? []).map((e) => e.type);

const good = {
  '1': { class_type: 'TConst', inputs: { value: 3 } },
  '2': { class_type: 'TAdd', inputs: { a: ['1', 0], b: ['1', 0] } },
  '3': { class_type: 'TSink', inputs: { value: ['2', 0], label: 'x' } },
};
const clone = (): Record<string, { class_type: string; inputs: Record<string, unknown> }> => JSON.parse(JSON.stringify(good));

describe('validatePrompt', () => {
  it('accepts a well-formed prompt and lists its output nodes', () => {
    const r = validate(good);
    expect(r.ok).toBe(true);
    expect(r.outputs).toEqual(['3']);
  });

  it('reports an unknown node type', () => {
    const p = clone();
    p['4'] = { class_type: 'NoSuchNode', inputs: {} };
    const r = validate(p);
    expect(r.ok).toBe(false);
    expect(kinds(r, '4')).toEqual(['unknown_node_type']);
    expect(r.nodeErrors['4'].errors[0].message).toContain('NoSuchNode');
  });

  it('reports a missing required input, naming it', () => {
    const p = clone();
    delete p['2'].inputs.a;
    const r = validate(p);
    expect(kinds(r, '2')).toEqual(['required_input_missing']);
    expect(r.nodeErrors['2'].errors[0].input_name).toBe('a');
  });

  it('does not require optional inputs, nor widget inputs that have a default', () => {
    const p = clone();
    delete p['2'].inputs.b;
    delete p['3'].inputs.label;
    expect(validate(p).ok).toBe(true);
  });

  it('reports a link to a missing node', () => {
    const p = clone();
    p['2'].inputs.a = ['99', 0];
    const r = validate(p);
    expect(kinds(r, '2')).toEqual(['bad_link']);
    expect(r.nodeErrors['2'].errors[0].message).toContain('99');
  });

  it('reports a link to a missing output index', () => {
    const p = clone();
    p['2'].inputs.a = ['1', 3];
    const r = validate(p);
    expect(kinds(r, '2')).toEqual(['bad_link']);
    expect(r.nodeErrors['2'].errors[0].message).toMatch(/output 3 .* has 1 output/);
  });

  it('reports a type mismatch on a link', () => {
    const p = clone();
    p['5'] = { class_type: 'ColorGradient', inputs: { width: 4, height: 4, color_a: '#000000', color_b: '#ffffff', direction: 'vertical', noise: 0, seed: 0 } };
    p['2'].inputs.a = ['5', 0];
    const r = validate(p);
    expect(kinds(r, '2')).toEqual(['type_mismatch']);
    expect(r.nodeErrors['2'].errors[0].message).toContain('expects INT');
    expect(r.nodeErrors['2'].errors[0].message).toContain('IMAGE');
  });

  it('reports values out of range (min, max, non-integer)', () => {
    for (const v of [-101, 101, 1.5]) {
      const p = clone();
      p['1'].inputs.value = v;
      const r = validate(p);
      expect(kinds(r, '1')).toEqual(['value_out_of_range']);
    }
  });

  it('reports a COMBO value not among the options', () => {
    const p = clone();
    p['5'] = { class_type: 'ColorGradient', inputs: { width: 4, height: 4, color_a: '#000000', color_b: '#ffffff', direction: 'sideways', noise: 0, seed: 0 } };
    p['6'] = { class_type: 'PreviewImage', inputs: { images: ['5', 0] } };
    const r = validate(p);
    expect(kinds(r, '5')).toEqual(['value_not_in_list']);
    expect(r.nodeErrors['5'].errors[0].message).toContain('vertical');
  });

  it('says where a file-list COMBO looks when its value is not there (the input\'s tooltip)', () => {
    const p = { '1': { class_type: 'LoadImage', inputs: { image: 'not-here.png' } }, '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } } };
    const r = validate(p);
    expect(kinds(r, '1')).toEqual(['value_not_in_list']);
    expect(r.nodeErrors['1'].errors[0].message).toMatch(/^input 'image' is "not-here\.png", not one of \[.*\]: expected a file in the input folder$/);
  });

  it('evaluates COMBO option functions at validation time', () => {
    const p = { '1': { class_type: 'TFile', inputs: { name: 'a' } }, '2': { class_type: 'TSink', inputs: { value: ['1', 0] } } };
    expect(kinds(validate(p), '1')).toEqual(['value_not_in_list']);
    h.files.a = '5';
    expect(validate(p).ok).toBe(true);
    delete h.files.a;
  });

  it('reports a constant given where a link is required, and a wrong constant type', () => {
    const p = clone();
    p['2'].inputs.a = 5;
    p['3'].inputs.label = 7;
    const r = validate(p);
    expect(kinds(r, '2')).toEqual(['invalid_input_type']);
    expect(kinds(r, '3')).toEqual(['invalid_input_type']);
  });

  it('reports every node on a cycle', () => {
    const p = {
      '1': { class_type: 'TAdd', inputs: { a: ['2', 0] } },
      '2': { class_type: 'TAdd', inputs: { a: ['1', 0] } },
      '3': { class_type: 'TSink', inputs: { value: ['2', 0] } },
    };
    const r = validate(p);
    expect(kinds(r, '1')).toEqual(['cycle']);
    expect(kinds(r, '2')).toEqual(['cycle']);
    expect(r.nodeErrors['3']).toBeUndefined();
  });

  it('lists every problem of every node, not just the first', () => {
    const p = clone();
    p['1'].inputs.value = 1000;
    p['2'].inputs.b = ['77', 0];
    p['3'].inputs.extra = 1;
    p['3'].inputs.label = false;
    p['4'] = { class_type: 'TAdd', inputs: { b: ['1', 0] } };
    p['5'] = { class_type: 'TSink', inputs: { value: ['4', 0] } };
    p['9'] = { class_type: 'Nope', inputs: {} };
    const r = validate(p);
    expect(kinds(r, '1')).toEqual(['value_out_of_range']);
    expect(kinds(r, '2')).toEqual(['bad_link']);
    expect(kinds(r, '3').sort()).toEqual(['invalid_input_type', 'unknown_input']);
    expect(kinds(r, '4')).toEqual(['required_input_missing']);
    expect(kinds(r, '9')).toEqual(['unknown_node_type']);
  });

  describe('node ids and input names that are Object.prototype names', () => {
    it('reports a link to "constructor" or "__proto__" as a link to a node not in the workflow', () => {
      for (const src of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
        const p = clone();
        p['2'].inputs.a = [src, 0];
        const r = validate(p);
        expect(kinds(r, '2')).toEqual(['bad_link']);
        expect(r.nodeErrors['2'].errors[0].message).toBe(`input 'a' links to node ${src}, which is not in the workflow`);
      }
    });

    it('keeps nodes whose ids are "__proto__" or "constructor", and reports their errors under those ids', () => {
      const p = JSON.parse('{"__proto__": {"class_type": "TConst", "inputs": {"value": 3}}, "constructor": {"class_type": "TAdd", "inputs": {"a": ["__proto__", 0]}}, "3": {"class_type": "TSink", "inputs": {"value": ["constructor", 0]}}}');
      const r = validate(p);
      expect(r.ok).toBe(true);
      expect(Object.keys(r.prompt).sort()).toEqual(['3', '__proto__', 'constructor']);
      expect(Object.getPrototypeOf(r.prompt)).toBe(Object.prototype);
      const bad = validate(JSON.parse('{"__proto__": {"class_type": "Nope", "inputs": {}}, "constructor": {"class_type": "TSink", "inputs": {}}}'));
      expect(kinds(bad, '__proto__')).toEqual(['unknown_node_type']);
      expect(kinds(bad, 'constructor')).toEqual(['required_input_missing']);
    });

    it('reports inputs named "constructor" or "__proto__" as unknown inputs', () => {
      const p = clone();
      p['3'].inputs = JSON.parse('{"value": ["2", 0], "constructor": 1, "__proto__": 2}');
      const r = validate(p);
      expect(r.nodeErrors['3'].errors.map((e) => [e.type, e.input_name]).sort()).toEqual([
        ['unknown_input', '__proto__'],
        ['unknown_input', 'constructor'],
      ]);
    });
  });

  it('reports a prompt without output nodes, and malformed prompts', () => {
    const r = validate({ '1': { class_type: 'TConst', inputs: { value: 1 } } });
    expect(r.error?.type).toBe('prompt_no_outputs');
    expect(validate([1, 2]).error?.type).toBe('invalid_prompt');
    const bad = validate({ '1': { inputs: {} }, '2': { class_type: 'TSink', inputs: { value: ['x', 'y'] } } });
    expect(kinds(bad, '1')).toEqual(['invalid_prompt']);
    expect(kinds(bad, '2')).toEqual(['invalid_input_type']); // the node stays; its input is wrong
  });

  describe('a badly typed constant', () => {
    const chain = (height: unknown) => ({
      '1': { class_type: 'ColorGradient', inputs: { width: 4, height, color_a: '#000000', color_b: '#ffffff', direction: 'vertical', noise: 0, seed: 0 } },
      '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
      '3': { class_type: 'PreviewImage', inputs: { images: ['2', 0] } },
    });

    it.each([[{ x: 1 }], [[1, 2]], [['1', -1]], ['8']])('is reported by name with what was expected (%j), and nothing downstream', (height) => {
      const r = validate(chain(height));
      expect(r.ok).toBe(false);
      expect(Object.keys(r.nodeErrors)).toEqual(['1']);
      expect(r.nodeErrors['1'].errors).toEqual([expect.objectContaining({ type: 'invalid_input_type', input_name: 'height', message: `input 'height' expects INT, got ${JSON.stringify(height)}` })]);
    });

    it('given to a link input is reported as needing a link', () => {
      const p = chain(4);
      (p['2'].inputs as Record<string, unknown>).image = { x: 1 };
      const r = validate(p);
      expect(Object.keys(r.nodeErrors)).toEqual(['2']);
      expect(r.nodeErrors['2'].errors[0].message).toBe(`input 'image' of type IMAGE must be a link [nodeId, outputIndex], got the constant {"x":1}`);
    });

    it('a node that is not {class_type, inputs} reports itself, and links to it are not reported again', () => {
      const p = { ...chain(4), '1': { class_type: 'ColorGradient', inputs: 5 } };
      const r = validate(p);
      expect(Object.keys(r.nodeErrors)).toEqual(['1']);
      expect(r.nodeErrors['1'].errors[0].message).toMatch(/node 1 is not \{class_type, inputs\}: inputs: Expected object/);
    });
  });
});
