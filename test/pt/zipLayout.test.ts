// torch.save zip files beyond the fixtures: byte order, deflated members, wrapper prefixes,
// nn.Parameter, transposed views, containers, and archives that are not checkpoints.
import { parseCheckpoint } from '../../models/checkpoint/read';
import { CheckpointError } from '../../models/checkpoint/safetensors';
import { f32Bytes, PickleBuilder, writeZip, type TensorSpec } from './ptWriter';

const values = [0, 1, 2, 3, 4, 5];
const matrix: TensorSpec = { storage: '0', numel: 6, size: [2, 3], stride: [3, 1] };

function ptFile(pickle: Uint8Array, extra: { name: string; data: Uint8Array; deflate?: boolean }[] = [], storage = f32Bytes(values)) {
  return writeZip([{ name: 'archive/data.pkl', data: pickle }, { name: 'archive/data/0', data: storage }, ...extra]);
}

describe('torch.save zip layouts', () => {
  it('reads a transposed view and a parameter under state_dict, stripping DDP and torch.compile prefixes', () => {
    const pickle = new PickleBuilder().stateDict(
      {
        'module._orig_mod.w': { ...matrix, parameter: true },
        'module._orig_mod.wT': { ...matrix, size: [3, 2], stride: [1, 3] },
      },
      'state_dict',
    );
    const ck = parseCheckpoint(ptFile(pickle), 'wrapped.pt');
    expect(ck.details).toMatchObject({ container: 'state_dict', strippedPrefix: 'module._orig_mod.' });
    expect(Array.from(ck.tensors.get('w')!.data)).toEqual(values);
    expect(ck.tensors.get('wT')).toEqual({ shape: [3, 2], data: Float32Array.from([0, 3, 1, 4, 2, 5]) });
  });

  it("honours a 'big' byteorder record and deflated members", () => {
    const pickle = new PickleBuilder().stateDict({ w: matrix }, null);
    const file = writeZip([
      { name: 'archive/data.pkl', data: pickle, deflate: true },
      { name: 'archive/byteorder', data: Uint8Array.from(Buffer.from('big')) },
      { name: 'archive/data/0', data: f32Bytes(values, true), deflate: true },
    ]);
    expect(Array.from(parseCheckpoint(file, 'be.pt').tensors.get('w')!.data)).toEqual(values);
  });

  it('reads ZIP64 records (sizes and offsets past 4 GiB are written this way)', () => {
    const pickle = new PickleBuilder().stateDict({ w: matrix }, 'model');
    const file = writeZip([{ name: 'archive/data.pkl', data: pickle }, { name: 'archive/data/0', data: f32Bytes(values) }], true);
    expect(Array.from(parseCheckpoint(file, 'z64.pt').tensors.get('w')!.data)).toEqual(values);
  });

  it('names the storage whose record is missing', () => {
    const pickle = new PickleBuilder().stateDict({ w: { ...matrix, storage: '9' } }, 'model');
    expect(() => parseCheckpoint(ptFile(pickle), 'gap.pt')).toThrow("gap.pt: tensor w: storage 9 is referenced by the pickle but archive/data/9 is not in the archive");
  });

  it('names the storage type it does not know', () => {
    const pickle = new PickleBuilder().stateDict({ w: { ...matrix, storageType: 'ComplexFloatStorage' } }, 'model');
    expect(() => parseCheckpoint(ptFile(pickle), 'c.pt')).toThrow(/'torch\.ComplexFloatStorage'/);
  });

  it('refuses a TorchScript archive and a zip without data.pkl, saying what they are', () => {
    const pickle = new PickleBuilder().stateDict({ w: matrix }, null);
    const script = ptFile(pickle, [{ name: 'archive/constants.pkl', data: Uint8Array.of(0x80, 2, 0x29, 0x2e) }]);
    expect(() => parseCheckpoint(script, 'jit.pt')).toThrow(/jit\.pt: this is a TorchScript archive/);
    const notPt = writeZip([{ name: 'readme.txt', data: Uint8Array.from(Buffer.from('hi')) }]);
    expect(() => parseCheckpoint(notPt, 'other.zip')).toThrow("other.zip: zip archive has no <name>/data.pkl, so it is not a torch.save checkpoint (members: readme.txt)");
  });

  it('a container that is not a state dict, and a dict without one, are errors listing what is there', () => {
    const noTensors = new PickleBuilder().raw(0x7d).str('model').str('GPT-L').raw(0x73).done();
    expect(() => parseCheckpoint(ptFile(noTensors), 'm.pt')).toThrow("m.pt: checkpoint['model'] is a str without tensors; expected the state dict");
    const other = new PickleBuilder().raw(0x7d).str('epoch').int(3).raw(0x73).done();
    expect(() => parseCheckpoint(ptFile(other), 'e.pt')).toThrow(/no state dict found: .* top-level keys: epoch/);
  });

  it('every error is a CheckpointError', () => {
    expect(() => parseCheckpoint(Uint8Array.of(1, 2, 3), 'x.bin')).toThrow(CheckpointError);
  });
});
