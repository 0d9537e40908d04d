// Random access to a checkpoint's bytes: in memory, or through a file descriptor so that
// multi-gigabyte checkpoints are read piece by piece.
import * as fs from 'fs';
import { CheckpointError } from '../safetensors';

export interface ByteSource {
  readonly size: number;
  /** `length` bytes from `offset`; the caller has checked the range. */
  read(offset: number, length: number): Uint8Array;
}

export function memorySource(bytes: Uint8Array): ByteSource {
  return { size: bytes.byteLength, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number;

  constructor(readonly file: string) {
    try {
      this.fd = fs.openSync(file, 'r');
      this.size = fs.fstatSync(this.fd).size;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new CheckpointError(`cannot read checkpoint ${file}: ${code === 'ENOENT' ? 'file not found' : code ?? (e as Error).message}`);
    }
  }

  read(offset: number, length: number): Uint8Array {
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) throw new CheckpointError(`${this.file}: unexpected end of file at byte ${offset + done}`);
      done += n;
    }
    return new Uint8Array(out.buffer, out.byteOffset, length);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
