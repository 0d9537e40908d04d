// torch.save's zip layout (PyTorch >= 1.6):
//   <name>/data.pkl        the pickle; tensors refer to storages by key
//   <name>/data/<key>      raw bytes of each storage
//   <name>/byteorder       'little' or 'big' (absent in older files: little)
//   <name>/version         serialization version
import { CheckpointError } from '../safetensors';
import type { ByteSource } from './byteSource';
import { unpickle } from './pickleMachine';
import { makeGlobalResolver } from './allowList';
import { StorageTable } from './storageTable';
import { ZipArchive } from './zipArchive';

export function loadZipPickle(src: ByteSource): unknown {
  const zip = new ZipArchive(src);
  const pkl = [...zip.entries.values()].find((e) => /^[^/]+\/data\.pkl$/.test(e.name) || e.name === 'data.pkl');
  if (!pkl) {
    const names = [...zip.entries.keys()].slice(0, 8).join(', ');
    throw new CheckpointError(`zip archive has no <name>/data.pkl, so it is not a torch.save checkpoint (members: ${names || 'none'})`);
  }
  const prefix = pkl.name.slice(0, pkl.name.length - 'data.pkl'.length);
  if (zip.entries.has(`${prefix}constants.pkl`) || [...zip.entries.keys()].some((n) => n.startsWith(`${prefix}code/`))) {
    throw new CheckpointError('this is a TorchScript archive (torch.jit.save), not a torch.save checkpoint; save its state_dict() with torch.save instead');
  }
  const order = zip.entries.get(`${prefix}byteorder`);
  const byteorder = order ? Buffer.from(zip.read(order)).toString('latin1').trim() : 'little';
  if (byteorder !== 'little' && byteorder !== 'big') throw new CheckpointError(`byteorder record says '${byteorder.slice(0, 20)}', expected 'little' or 'big'`);
  const table = new StorageTable((key) => {
    const entry = zip.entries.get(`${prefix}data/${key}`);
    if (!entry) throw new CheckpointError(`storage ${key} is referenced by the pickle but ${prefix}data/${key} is not in the archive`);
    return zip.read(entry);
  }, byteorder === 'little');
  const resolveGlobal = makeGlobalResolver();
  return unpickle(zip.read(pkl), { resolveGlobal, persistentLoad: (pid) => table.persistentLoad(pid) }).value;
}
