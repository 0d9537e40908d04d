// Turns the persistent ids of a checkpoint pickle into shared TorchStorage objects.
// Zip files: ('storage', storage_type, key, location, numel).
// Legacy files: ('storage', storage_type, root_key, location, numel, view_metadata | None).
import { CheckpointError } from '../safetensors';
import { isStorageType } from './allowList';
import { asInt, asString, describePy, printable } from './pythonValues';
import { TorchStorage } from './torchTensor';

export type StorageBytes = (key: string) => Uint8Array;

export class StorageTable {
  readonly storages = new Map<string, TorchStorage>();

  constructor(private readonly loadBytes: StorageBytes, private readonly littleEndian: boolean) {}

  /** The pickle's persistent_load: one TorchStorage per key, shared by every tensor that names it. */
  persistentLoad(pid: unknown): TorchStorage {
    if (!Array.isArray(pid) || pid.length < 5) {
      throw new CheckpointError(`persistent id ${describePy(pid)} is not a ('storage', type, key, location, size) record`);
    }
    const kind = pid[0];
    if (kind !== 'storage') {
      throw new CheckpointError(`persistent id of kind ${typeof kind === 'string' ? `'${printable(kind)}'` : describePy(kind)} is not loaded (only tensor storages are; whole pickled modules are not)`);
    }
    const type = pid[1];
    if (!isStorageType(type)) throw new CheckpointError(`persistent id names ${describePy(type)} where a torch storage type belongs`);
    const key = printable(asString(pid[2], 'storage key'));
    const numel = asInt(pid[4], `size of storage ${key}`);
    let storage = this.storages.get(key);
    if (!storage) {
      storage = new TorchStorage(key, type.dtype, numel, () => this.loadBytes(key), this.littleEndian);
      this.storages.set(key, storage);
    } else if (storage.dtype !== type.dtype || storage.numel !== numel) {
      throw new CheckpointError(`storage ${key} is named twice with different types (${storage.dtype}×${storage.numel} vs ${type.dtype}×${numel})`);
    }
    const view = pid[5];
    if (view === undefined || view === null) return storage;
    if (!Array.isArray(view) || view.length !== 3) throw new CheckpointError(`storage ${key}: view metadata ${describePy(view)} is not (key, offset, size)`);
    const viewKey = asString(view[0], 'storage view key');
    const existing = this.storages.get(viewKey);
    if (existing) return existing;
    const v = storage.view(viewKey, asInt(view[1], 'storage view offset'), asInt(view[2], 'storage view size'));
    this.storages.set(viewKey, v);
    return v;
  }
}
