/**
 * A schema built on first use instead of when its module loads. Every workflow evaluates the domain's modules
 * afresh (Temporal's sandbox shares none it does not freeze, and zod 4 schemas cannot be frozen: they fill in their
 * members as they are first used), so a playbook or a principal's ledger pays only for the schemas it parses with:
 * a ledger parses a few small requests, never a policy or a topology. The proxy stands for the schema in every way
 * (`parse`, `extend`, `shape`, `instanceof`, `z.infer`), building it at the first touch and forwarding to it after.
 */
export function lazySchema<T extends object>(build: () => T): T {
  let built: T | undefined;
  let building = false;
  const schema = (): T => {
    if (built) return built;
    // A definition that touches itself while it is built would recurse without end: zod's z.lazy is for that.
    if (building) throw new Error('a lazySchema definition uses itself: write the self-reference as z.lazy(() => …)');
    building = true;
    try {
      return (built = build());
    } finally {
      building = false;
    }
  };
  return new Proxy({} as T, {
    get: (_, key) => Reflect.get(schema(), key),
    set: (_, key, value) => Reflect.set(schema(), key, value),
    has: (_, key) => Reflect.has(schema(), key),
    ownKeys: () => Reflect.ownKeys(schema()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(schema(), key);
      // The stand-in holds none of the schema's properties itself, so none may be reported non-configurable.
      return descriptor && { ...descriptor, configurable: true };
    },
    defineProperty: (_, key, descriptor) => Reflect.defineProperty(schema(), key, descriptor),
    deleteProperty: (_, key) => Reflect.deleteProperty(schema(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(schema()),
  });
}
