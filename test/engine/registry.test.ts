import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadPacks } from '../../server/engine/registry/loadPacks';
import { objectInfo } from '../../server/engine/registry/objectInfo';
import { NodeRegistry, RegistryError } from '../../server/engine/registry/registry';
import { silentLogger } from '../../server/host/hostConfig';
import { pack as corePack } from '../../nodes/core';
import { tempPaths } from './engineHarness';

const REPO = path.resolve(__dirname, '../..');

function pluginDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-plugins-'));
  fs.mkdirSync(path.join(dir, 'hello'));
  fs.writeFileSync(
    path.join(dir, 'hello', 'index.js'),
    `exports.pack = { name: 'hello', nodes: [{ type: 'HelloText', displayName: 'Hello', category: 'plugins', description: 'says hello',
       inputs: { name: { type: 'STRING', default: 'world' } }, outputs: [{ name: 'STRING', type: 'STRING' }],
       execute: async (i) => ({ outputs: ['hello ' + i.name] }) }] };`,
  );
  fs.mkdirSync(path.join(dir, 'broken'));
  fs.writeFileSync(path.join(dir, 'broken', 'index.js'), `throw new Error('cannot load me');`);
  fs.mkdirSync(path.join(dir, 'empty'));
  fs.writeFileSync(path.join(dir, 'empty', 'index.js'), `exports.other = 1;`);
  return dir;
}

describe('node registry', () => {
  it('loads packs from nodes/ and a plugins folder; a broken pack is reported and skipped', () => {
    const registry = new NodeRegistry();
    const report = loadPacks(registry, { dirs: [path.join(REPO, 'nodes'), pluginDir()], only: ['core', 'hello', 'broken', 'empty'], log: silentLogger });
    expect(report.loaded.map((l) => l.name)).toEqual(['core', 'hello']);
    expect(report.failed.map((f) => path.basename(f.dir))).toEqual(['broken', 'empty']);
    expect(report.failed[0].error).toContain('cannot load me');
    expect(report.failed[1].error).toContain("exports no 'pack'");
    expect(registry.get('HelloText')?.category).toBe('plugins');
    expect(registry.entry('SaveImage')?.pack).toBe('core');
  });

  it('refuses a node type defined twice and a definition without execute', () => {
    const registry = new NodeRegistry();
    registry.addPack(corePack);
    expect(() => registry.addPack({ name: 'again', nodes: [corePack.nodes[0]] })).toThrow(/already defined by pack 'core'/);
    expect(() => registry.addPack({ name: 'bad', nodes: [{ ...corePack.nodes[0], type: 'X', execute: undefined as never }] })).toThrow(/no execute function/);
    expect(registry.get('X')).toBeUndefined();
  });

  it('derives object_info from the definitions, listing COMBO files at each call', () => {
    const registry = new NodeRegistry();
    registry.addPack(corePack);
    const paths = tempPaths();
    const before = objectInfo(registry, paths);
    expect(before.LoadImage.input.required.image[0]).toEqual([]);
    expect(before.SaveImage.input.required.images).toEqual(['IMAGE', {}]);
    expect(before.SaveImage.input_order.required).toEqual(['images', 'filename_prefix']);
    expect(before.ImageScale.input.required.method).toEqual([['bilinear', 'nearest'], { default: 'bilinear' }]);
    expect(before.ImageScale.input.required.width[1]).toEqual({ default: 128, min: 1, max: 8192 });
    fs.writeFileSync(path.join(paths.input, 'cat.png'), 'x');
    expect(objectInfo(registry, paths).LoadImage.input.required.image[0]).toEqual(['cat.png']);
  });
});
