/** A total order: negative when a sorts first; must return 0 only for the same item. */
export type Order<T> = (a: T, b: T) => number;

/**
 * An array kept sorted by a total order. Agent pools hold at most a few thousand items, so a
 * binary search plus a memmove beats a tree in practice and allows successor queries (round-robin).
 */
export class SortedList<T> {
  private readonly items: T[] = [];

  constructor(private readonly order: Order<T>) {}

  /** Number of items held. */
  get size(): number {
    return this.items.length;
  }

  /** Adds an item; the caller guarantees it is not already present. */
  insert(item: T): void {
    const i = this.lowerBound((x) => this.order(x, item) < 0);
    this.items.splice(i, 0, item);
  }

  /** Removes an item if present; its sort keys must be unchanged since it was inserted. */
  remove(item: T): boolean {
    const i = this.lowerBound((x) => this.order(x, item) < 0);
    if (this.items[i] !== item) return false;
    this.items.splice(i, 1);
    return true;
  }

  /** The first item that is not `skip`, if any. */
  first(skip?: T): T | undefined {
    const head = this.items[0];
    return head !== undefined && head === skip ? this.items[1] : head;
  }

  /** The first item, not `skip`, for which `before` is false (items where it is true must form a prefix). */
  firstAfter(before: (item: T) => boolean, skip?: T): T | undefined {
    const i = this.lowerBound(before);
    const hit = this.items[i];
    return hit !== undefined && hit === skip ? this.items[i + 1] : hit;
  }

  /** All items in order (a copy). */
  toArray(): T[] {
    return this.items.slice();
  }

  private lowerBound(before: (item: T) => boolean): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.items[mid] as T)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
