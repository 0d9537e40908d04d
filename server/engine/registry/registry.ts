// The node registry: every NodeDefinition the host can run, by type name, with the pack it came from.
import type { HostPaths, NodeDefinition, NodePack } from '../nodeApi';

export interface RegisteredNode {
  def: NodeDefinition;
  pack: string;
}

export class RegistryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryError';
  }
}

export class NodeRegistry {
  private readonly byType = new Map<string, RegisteredNode>();
  private readonly packs: string[] = [];
  private readonly modelLists = new Map<string, (paths: HostPaths) => string[]>();

  /** Adds every node of a pack; a type already registered by another pack is an error. */
  addPack(pack: NodePack): void {
    if (!pack || typeof pack.name !== 'string' || !Array.isArray(pack.nodes)) {
      throw new RegistryError(`a node pack must be {name: string, nodes: NodeDefinition[]}, got ${describe(pack)}`);
    }
    for (const def of pack.nodes) {
      checkDefinition(def, pack.name);
      const prev = this.byType.get(def.type);
      if (prev) throw new RegistryError(`node type '${def.type}' of pack '${pack.name}' is already defined by pack '${prev.pack}'`);
    }
    for (const def of pack.nodes) this.byType.set(def.type, { def, pack: pack.name });
    for (const [kind, list] of Object.entries(pack.modelLists ?? {})) if (!this.modelLists.has(kind)) this.modelLists.set(kind, list);
    this.packs.push(pack.name);
  }

  /** The model files of `kind` as the pack whose loaders read them lists them, or undefined when no pack does. */
  modelList(kind: string, paths: HostPaths): string[] | undefined {
    return this.modelLists.get(kind)?.(paths);
  }

  get(type: string): NodeDefinition | undefined {
    return this.byType.get(type)?.def;
  }

  entry(type: string): RegisteredNode | undefined {
    return this.byType.get(type);
  }

  types(): string[] {
    return [...this.byType.keys()];
  }

  entries(): RegisteredNode[] {
    return [...this.byType.values()];
  }

  packNames(): string[] {
    return [...this.packs];
  }
}

function describe(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v);
  return `an object with keys [${Object.keys(v).join(', ')}]`;
}

function checkDefinition(def: NodeDefinition, pack: string): void {
  const where = `pack '${pack}'`;
  if (!def || typeof def.type !== 'string' || !def.type) throw new RegistryError(`${where}: a node definition has no type name`);
  if (typeof def.execute !== 'function') throw new RegistryError(`${where}: node '${def.type}' has no execute function`);
  if (!def.inputs || typeof def.inputs !== 'object') throw new RegistryError(`${where}: node '${def.type}' has no inputs object`);
  if (!Array.isArray(def.outputs)) throw new RegistryError(`${where}: node '${def.type}' has no outputs array`);
  for (const [name, spec] of Object.entries(def.inputs)) {
    if (!spec || typeof spec.type !== 'string') throw new RegistryError(`${where}: input '${name}' of '${def.type}' has no type`);
  }
}
