// Prints what this machine offers (WebGPU adapter, tfjs backends, onnxruntime providers) as JSON
// on the last line of stdout. Used by test/device/backends.test.ts (in a child process, because
// jest cannot wait for an async probe before it declares its tests) and by run.sh on the GPU machine.
//   npx tsx scripts/device-check/list-devices.ts
import { listDevices } from '../../models/device/listDevices';

listDevices()
  .then((listing) => process.stdout.write(JSON.stringify(listing) + '\n'))
  .catch((e: unknown) => {
    process.stderr.write(`list-devices: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  });
