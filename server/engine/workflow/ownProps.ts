// Node ids, input names and type names come from requests, and a plain object answers for names it
// only inherits: prompt["constructor"] is Object, and prompt["__proto__"] = node sets the prototype
// instead of adding the node. Every lookup and store keyed by such a name goes through these. Pure.

/** obj[key] when obj has it as its own property, else undefined ("constructor" is not a node). */
export function own<T>(obj: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return obj !== undefined && obj !== null && Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

/** Whether obj has key as its own property. */
export function hasOwn(obj: object | undefined, key: string): boolean {
  return obj !== undefined && obj !== null && Object.prototype.hasOwnProperty.call(obj, key);
}

/** obj[key] = value as an own, enumerable property, "__proto__" included. */
export function setOwn<O extends Record<string, unknown>>(obj: O, key: string, value: O[string]): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
