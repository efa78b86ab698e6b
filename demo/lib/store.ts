/** In-memory tables with a size cap: a long load test must not grow the shop without bound. */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly maxEntries: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.maxEntries) {
      const oldest = this.keys().next();
      if (!oldest.done) this.delete(oldest.value);
    }
    return super.set(key, value);
  }
}

/** Cap per table (users, orders, payments, ...); the oldest entry goes first. */
export const TABLE_CAP = 200_000;
