/** Where an item sits in one heap; -1 when absent. Stored on the item so removal is O(log n) with no lookup. */
export interface HeapSlot<T> {
  get(item: T): number;
  set(item: T, index: number): void;
}

/**
 * A binary min-heap that supports removing any item. Waiting calls leave from the middle
 * (abandon, language change), and lazy deletion would let abandoned calls pile up in a class nobody serves.
 */
export class IndexedHeap<T> {
  private readonly items: T[] = [];

  constructor(
    private readonly less: (a: T, b: T) => boolean,
    private readonly slot: HeapSlot<T>,
  ) {}

  /** Number of items held. */
  get size(): number {
    return this.items.length;
  }

  /** The smallest item, if any. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Whether the item is in this heap. */
  has(item: T): boolean {
    const i = this.slot.get(item);
    return i >= 0 && this.items[i] === item;
  }

  /** Adds an item not already present. */
  push(item: T): void {
    this.items.push(item);
    this.slot.set(item, this.items.length - 1);
    this.up(this.items.length - 1);
  }

  /** Removes and returns the smallest item. */
  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.removeAt(0);
    return top;
  }

  /** Removes the item if present. */
  remove(item: T): boolean {
    if (!this.has(item)) return false;
    this.removeAt(this.slot.get(item));
    return true;
  }

  /** Restores order after the item's key changed. */
  update(item: T): void {
    const i = this.slot.get(item);
    this.down(this.up(i));
  }

  /** All items, unordered (a copy). */
  toArray(): T[] {
    return this.items.slice();
  }

  private removeAt(i: number): void {
    const removed = this.items[i] as T;
    const last = this.items.pop() as T;
    this.slot.set(removed, -1);
    if (i < this.items.length) {
      this.items[i] = last;
      this.slot.set(last, i);
      this.down(this.up(i));
    }
  }

  private up(i: number): number {
    const items = this.items;
    const item = items[i] as T;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p] as T;
      if (!this.less(item, parent)) break;
      items[i] = parent;
      this.slot.set(parent, i);
      i = p;
    }
    items[i] = item;
    this.slot.set(item, i);
    return i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i] as T;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.less(items[r] as T, items[l] as T)) c = r;
      const child = items[c] as T;
      if (!this.less(child, item)) break;
      items[i] = child;
      this.slot.set(child, i);
      i = c;
    }
    items[i] = item;
    this.slot.set(item, i);
  }
}
