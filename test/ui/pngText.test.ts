import * as zlib from 'zlib';
import { encodePng } from '../../models/image/png';
import { imageBatch } from '../../models/image/types';
import { PNG } from 'pngjs';
import { isPng, PngTextError, readPngText, withPngText } from '../../ui/src/workflow/pngText';
import { asEditorWorkflow, WorkflowFileError } from '../../ui/src/workflow/files';

function crcChunk(type: string, data: Buffer): Buffer {
  // length, type, data, CRC-32 of type+data
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  let c = 0xffffffff;
  for (const b of td) c = table[(c ^ b) & 0xff] ^ (c >>> 8);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE((c ^ 0xffffffff) >>> 0);
  return Buffer.concat([len, td, crc]);
}

function withChunk(png: Buffer, chunk: Buffer): Buffer {
  const iend = png.length - 12;
  return Buffer.concat([png.subarray(0, iend), chunk, png.subarray(iend)]);
}

describe('PNG text chunks in the browser reader', () => {
  const img = imageBatch(1, 4, 4);
  const workflow = { nodes: [{ id: 1, type: 'SaveImage', widgets_values: ['näme ✓'] }], links: [], version: 0.4 };

  it('reads the workflow the project writes into its PNGs (iTXt, UTF-8)', async () => {
    const png = encodePng(img, 0, { workflow: JSON.stringify(workflow), prompt: '{"1":{}}' });
    const text = await readPngText(new Uint8Array(png));
    expect(JSON.parse(text.workflow)).toEqual(workflow);
    expect(text.prompt).toBe('{"1":{}}');
  });

  it('reads tEXt, zTXt and compressed iTXt chunks', async () => {
    let png = encodePng(img, 0);
    png = withChunk(png, crcChunk('tEXt', Buffer.concat([Buffer.from('plain\0'), Buffer.from('latin é', 'latin1')])));
    png = withChunk(png, crcChunk('zTXt', Buffer.concat([Buffer.from('packed\0\0'), zlib.deflateSync(Buffer.from('zipped', 'latin1'))])));
    const itxt = Buffer.concat([Buffer.from('workflow\0'), Buffer.from([1, 0]), Buffer.from('en\0\0'), zlib.deflateSync(Buffer.from('{"nodes":[]} ✓', 'utf8'))]);
    png = withChunk(png, crcChunk('iTXt', itxt));
    const text = await readPngText(new Uint8Array(png));
    expect(text).toEqual({ plain: 'latin é', packed: 'zipped', workflow: '{"nodes":[]} ✓' });
  });

  it('adds a tEXt chunk that reads back, with a CRC another decoder accepts, the pixels unchanged', async () => {
    const pic = imageBatch(1, 3, 5);
    pic.data.fill(0.5);
    const bytes = new Uint8Array(encodePng(pic));
    const out = withPngText(bytes, 'narflow-mask-source', 'a%20b.png');
    expect((await readPngText(out))['narflow-mask-source']).toBe('a%20b.png');
    const decoded = PNG.sync.read(Buffer.from(out), { checkCRC: true } as never);
    expect(Buffer.compare(decoded.data, PNG.sync.read(Buffer.from(bytes)).data)).toBe(0);
    expect(() => withPngText(new Uint8Array([1, 2, 3]), 'k', 'v')).toThrow(PngTextError);
  });

  it('refuses bytes that are not a PNG, and a chunk running past the end', async () => {
    expect(isPng(new Uint8Array([1, 2, 3]))).toBe(false);
    await expect(readPngText(new TextEncoder().encode('{"nodes": []}'))).rejects.toThrow(PngTextError);
    const png = encodePng(img, 0, { workflow: '{}' });
    await expect(readPngText(new Uint8Array(png.subarray(0, png.length - 30)))).rejects.toThrow(/past the end/);
  });

  it('accepts the editor form, lays out the API form given the node types, and explains it without them', () => {
    expect(asEditorWorkflow(workflow, 'x.json')).toBe(workflow);
    const api = { '1': { class_type: 'SaveImage', inputs: { filename_prefix: 'x' } } };
    expect(() => asEditorWorkflow(api, 'api.json')).toThrow(/API form/);
    const info = { SaveImage: { input: { required: { images: ['IMAGE'], filename_prefix: ['STRING', { default: 'narflow' }] } }, input_order: { required: ['images', 'filename_prefix'] }, output: [], output_is_list: [], output_name: [], name: 'SaveImage', display_name: 'Save Image', description: '', category: 'image', output_node: true } };
    const laid = asEditorWorkflow(api, 'api.json', info as never);
    expect(laid.nodes.map((n) => [n.id, n.type, n.widgets_values])).toEqual([[1, 'SaveImage', ['x']]]);
    expect(() => asEditorWorkflow([1, 2], 'list.json')).toThrow(WorkflowFileError);
    expect(() => asEditorWorkflow({}, 'empty.json', info as never)).toThrow(/expected an object with a "nodes" array/);
  });
});
